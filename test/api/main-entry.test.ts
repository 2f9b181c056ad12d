/**
 * The main entry (`import … from 'tickwire'`): an application that only streams loads no simulator, local server,
 * NATS client, pino or exchange adapter until it uses one (what module loading leaves alive decides how large V8
 * grows its young generation — see bench/README.md), and the parts loaded on first use behave as when imported
 * directly: options validated at the call, a working simulator and server, events through real NATS and back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subject, firstValueFrom, filter, take, toArray } from 'rxjs';
import { Hub, fromNats, parseConfig, publishToNats, startServer, startSim, type MarketEvent } from '../../src/index.js';
import { TestNatsServer } from '../nats/nats-server.js';
import { TestClient, expectClientBookEqualsTruth, type ServerHarness } from '../sinks/server/server-harness.js';
import { Stamper, SyntheticMarket } from '../nats/synthetic.js';
import { collect, waitFor } from '../nats/helpers.js';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

describe('main entry', { timeout: 30_000 }, () => {
  it('loads no simulator, server, NATS client, pino or exchange adapter until they are used', () => {
    expect(existsSync(dist)).toBe(true); // npm test builds first
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOAD ' + r.url + '\\n'); return r; }",
    )}`;
    const script = `import { register } from 'node:module'; register(${JSON.stringify(hook)}); await import(${JSON.stringify(dist)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOAD ')).map((l) => l.slice(5));
    expect(loaded.some((u) => u.endsWith('/dist/api/stream.js'))).toBe(true);
    expect(loaded.filter((u) => /\/dist\/sim\/|\/dist\/sinks\/server\/|\/dist\/sinks\/nats\/publish|\/dist\/sources\/nats|\/dist\/exchanges\/[^/]+\/|\/node_modules\/(@nats-io|pino)\//.test(u))).toEqual([]);
  });

  it('the CLI loads only the command it runs: `stream` loads no simulator, local server, NATS client or adapter of its own accord', () => {
    const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOAD ' + r.url + '\\n'); return r; }",
    )}`;
    // no market: the command loads, reads its flags and exits with a usage error before connecting anywhere
    const script = `import { register } from 'node:module'; register(${JSON.stringify(hook)}); process.argv = [process.argv[0], ${JSON.stringify(cli)}, 'stream']; await import(${JSON.stringify(cli)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOAD ')).map((l) => l.slice(5));
    expect(loaded.some((u) => u.endsWith('/dist/cli/stream-command.js'))).toBe(true);
    expect(loaded.filter((u) => /\/dist\/sim\/(?!symbols\.js)|\/dist\/sinks\/server\/|\/dist\/sinks\/nats\/|\/dist\/sources\/nats|\/dist\/cli\/(serve|sim|consume)-command|\/dist\/exchanges\/[^/]+\/|\/node_modules\/@nats-io\//.test(u))).toEqual([]);
  });

  it('starts the simulator and the local server on first use; a server client’s book equals the simulator’s', async () => {
    const sim = await startSim({ exchanges: ['binance'], seed: 3, intervalMs: 10 });
    const hub = new Hub(parseConfig({ endpoints: { binance: sim.endpoints.binance }, reconcileIntervalMs: 0 }));
    const server = await startServer({ hub, port: 0 });
    const c = new TestClient(server.url);
    try {
      await c.opened;
      expect(await c.command({ op: 'subscribe', streams: ['binance:BTC/USDT@book'] })).toMatchObject({ type: 'ack' });
      await expectClientBookEqualsTruth({ sim } as ServerHarness, c, 'binance:BTC/USDT@book', 20);
    } finally {
      c.ws.terminate();
      await server.close();
      hub.close();
      await sim.close();
    }
  });

  it('publishToNats / fromNats validate their options at the call', () => {
    expect(() => publishToNats(new Subject<MarketEvent>(), { maxInFlight: 0 })).toThrow();
    expect(() => fromNats({ stream: 'no spaces' })).toThrow();
  });
});

describe('main entry: NATS on first use', { timeout: 60_000 }, () => {
  let srv: TestNatsServer;
  beforeAll(async () => {
    srv = await TestNatsServer.start();
  });
  afterAll(async () => {
    await srv?.dispose();
  });

  it('publishes through the lazily loaded sink and reads the same events back', async () => {
    const m = new SyntheticMarket('binance', ['BTC/USDT'], 5);
    const st = new Stamper('epoch-main');
    const events = [st.stamp(m.snapshot('BTC/USDT')), ...Array.from({ length: 50 }, () => st.stamp(m.next()))];
    const input = new Subject<MarketEvent>();
    const status = collect(publishToNats(input, { servers: srv.url, stream: 'MAINENTRY' }));
    await waitFor(() => status.items.some((s) => s.state === 'open'), 10_000, 'publisher open');
    for (const e of events) input.next(e);
    input.complete();
    await waitFor(() => status.done, 10_000, 'publisher flushed');
    const back = await firstValueFrom(
      fromNats({ servers: srv.url, stream: 'MAINENTRY', start: 'all' }).pipe(
        filter((e) => e.type !== 'status'),
        take(events.length),
        toArray(),
      ),
    );
    expect(back).toEqual(events);
  });
});
