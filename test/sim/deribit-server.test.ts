/**
 * What the Deribit simulator does beyond the conformance suite's generic protocol checks (test/conformance/), over a
 * raw socket: `raw` channels (authorized connections only) and unknown instruments are left out of the subscribe
 * result, an unknown method is a JSON-RPC error, and a heartbeat `test_request` left unanswered closes the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { WsProbe } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ exchanges: ['deribit'], seed: 7, symbols: [{ symbol: 'BTC/USD:BTC', mid: '30000.0', tickDecimals: 1, lotDecimals: 0 }], pingIntervalMs: 250 });
});
afterAll(async () => sim.close());

const connect = (): Promise<WsProbe> => WsProbe.open(`${sim.endpoints.deribit!.ws}/ws/api/v2`);
const reply = (p: WsProbe, id: number): Record<string, unknown> | undefined => p.json().find((f) => f.id === id);

describe('deribit simulator server', () => {
  it('unknown instruments and `raw` (authorized only) are left out of the result; other methods answer errors', async () => {
    const c = await connect();
    c.send({ jsonrpc: '2.0', id: 2, method: 'public/subscribe', params: { channels: ['book.NOPE-PERPETUAL.100ms', 'trades.BTC-PERPETUAL.raw', 'ticker.BTC-PERPETUAL.100ms'] } });
    c.send({ jsonrpc: '2.0', id: 3, method: 'public/nope', params: {} });
    await c.until(() => reply(c, 2) !== undefined && reply(c, 3) !== undefined, 5000, 'two replies');
    expect(reply(c, 2)).toMatchObject({ result: ['ticker.BTC-PERPETUAL.100ms'] });
    expect(reply(c, 3)).toMatchObject({ error: { code: -32601 } });
    c.close();
  });

  it('test_request: answered by public/test the connection stays; unanswered it is closed', async () => {
    const [good, bad] = [await connect(), await connect()];
    for (const c of [good, bad]) c.send({ jsonrpc: '2.0', id: 4, method: 'public/set_heartbeat', params: { interval: 10 } });
    let answered = 0;
    const answer = (): void => {
      const n = good.frames.filter((f) => f.includes('"test_request"')).length;
      for (; answered < n; answered++) good.send({ jsonrpc: '2.0', id: 100 + answered, method: 'public/test', params: {} });
    };
    await good.until(() => (answer(), answered >= 3), 5000, 'three test_requests answered');
    await bad.until(() => bad.closed !== undefined, 5000, 'the silent client closed');
    expect(reply(good, 4)).toMatchObject({ result: 'ok' });
    expect(reply(good, 100)).toMatchObject({ result: { version: expect.any(String) } });
    expect(good.closed).toBeUndefined();
    expect(bad.closed?.code).toBe(1000);
    good.close();
  });
});
