/**
 * Record → replay over every exchange the simulator serves besides Binance (in-band snapshots, checksums, text
 * keepalives, per-connection sequences, answered heartbeats), with a server close on each: the replay emits exactly the live events.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeId } from '../../src/schema/events.js';
import { isStatus } from '../helpers/harness.js';
import { recordHarness, replayFile } from '../helpers/record-session.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-ex-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: Array<[ExchangeId, string, Record<string, unknown>]> = [
  ['bybit', 'BTC/USDT', { bookDepth: 50 }],
  ['kraken', 'BTC/USDT', { bookDepth: 10 }],
  ['okx', 'BTC/USDT', {}],
  ['coinbase', 'BTC/USDT', {}],
  // Deribit's spot pair BTC_USDT: the heartbeat test_requests' public/test answers are sends the replay must repeat
  ['deribit', 'BTC/USDT', {}],
  ['gateio', 'BTC/USDT', {}],
];

describe.each(CASES)('%s: record → replay with a disconnect', (exchange, symbol, config) => {
  it('replays exactly the live events', async () => {
    const file = join(dir, `${exchange}.ndjson.gz`);
    const live = await recordHarness({ file }, { exchanges: [exchange], markets: [`${exchange}:${symbol}`], config: { ...config, pingIntervalMs: 300 } }, async (h) => {
      const isLive = isStatus({ exchange, symbol, channel: 'book', state: 'live' });
      await h.waitFor(isLive, 'live');
      h.sim.fault(exchange, { kind: 'close', symbol, code: 1001, reason: 'going away' });
      await h.waitFor(isStatus({ exchange, scope: 'connection', state: 'reconnecting' }), 'reconnecting');
      await h.waitFor(isLive, 'live again');
      let n = 0;
      await h.waitFor((e) => e.type === 'book_delta' && ++n >= 20, '20 deltas');
    });
    const { events: replayed, result } = await replayFile(file);
    expect(result).toMatchObject({ divergences: 0 });
    expect(result.damage).toBeUndefined();
    expect(replayed.some((e) => e.type === 'status' && e.code === 'TW_ERR_RECONNECTED')).toBe(true);
    expect(replayed).toEqual(live.events);
  }, 20_000);
});
