/**
 * What the Gate.io simulator does beyond the conformance suite's generic protocol checks (test/conformance/): an
 * unknown pair in a list request is refused by name while the other pairs of the request are subscribed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gateioAdapter } from '../../src/exchanges/gateio/index.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { WsProbe } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ exchanges: ['gateio'], symbols: ['BTC/USDT', 'ETH/USDT'], seed: 5, intervalMs: 20, tradeIntervalMs: 20 });
});
afterAll(async () => sim.close());

it('an unknown pair is refused by name; the other pairs of the request are subscribed', async () => {
  const p = await WsProbe.open(`${sim.endpoints.gateio!.ws}/ws/v4/`);
  const parsed = () => p.frames.flatMap((f) => gateioAdapter.parse(f, { bookDepth: 0, instruments: new Map() }));
  p.send({ time: 1, id: 11, channel: 'spot.trades', event: 'subscribe', payload: ['NOPE_USDT', 'ETH_USDT'] });
  await p.until(() => parsed().some((m) => m.kind === 'trade' && m.market === 'ETH_USDT'), 5000, 'an ETH_USDT trade');
  expect(parsed()).toContainEqual(expect.objectContaining({ kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', market: 'NOPE_USDT', channel: 'trades', id: 11 }));
  p.close();
});
