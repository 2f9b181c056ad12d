/**
 * Record → replay over every exchange the simulator serves besides Binance (in-band snapshots, checksums, text
 * keepalives, per-connection sequences, answered heartbeats), with a server close on each: the replay emits exactly the live events.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import type { ExchangeId } from '../../src/schema/events.js';
import { Recorder } from '../../src/record/recorder.js';
import { replay, type ReplayResult } from '../../src/record/replay.js';
import { isStatus, startHarness } from '../helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-ex-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: Array<[ExchangeId, string, Record<string, unknown>]> = [
  ['bybit', 'BTC/USDT', { bookDepth: 50 }],
  ['kraken', 'BTC/USDT', { bookDepth: 10 }],
  ['okx', 'BTC/USDT', {}],
  ['coinbase', 'BTC/USDT', {}],
  // Deribit's spot pair BTC_USDT: the heartbeat test_requests' public/test answers are sends the replay must repeat
  ['deribit', 'BTC/USDT', {}],
];

describe.each(CASES)('%s: record → replay with a disconnect', (exchange, symbol, config) => {
  it('replays exactly the live events', async () => {
    const file = join(dir, `${exchange}.ndjson.gz`);
    let rec: Recorder | undefined;
    const h = await startHarness({
      exchanges: [exchange],
      markets: [`${exchange}:${symbol}`],
      config: { ...config, pingIntervalMs: 300 },
      deps: (c) => {
        rec = new Recorder(c, { file });
        return rec.deps;
      },
    });
    try {
      const live = isStatus({ exchange, symbol, channel: 'book', state: 'live' });
      await h.waitFor(live, 'live');
      h.sim.fault(exchange, { kind: 'close', symbol, code: 1001, reason: 'going away' });
      await h.waitFor(isStatus({ exchange, scope: 'connection', state: 'reconnecting' }), 'reconnecting');
      await h.waitFor(live, 'live again');
      let n = 0;
      await h.waitFor((e) => e.type === 'book_delta' && ++n >= 20, '20 deltas');
    } finally {
      h.hub.close();
      await rec!.close();
      await h.close();
    }
    let result: ReplayResult | undefined;
    const replayed = await lastValueFrom(replay(file, { onEnd: (r) => (result = r) }).pipe(toArray()));
    expect(result).toMatchObject({ divergences: 0 });
    expect(result!.damage).toBeUndefined();
    expect(replayed.some((e) => e.type === 'status' && e.code === 'TW_ERR_RECONNECTED')).toBe(true);
    expect(replayed).toEqual(h.events);
  }, 20_000);
});
