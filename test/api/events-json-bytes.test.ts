/**
 * The NDJSON sink's JsonBytes on a hub's real events (the simulator's Binance feed over loopback: statuses, the
 * snapshot, deltas, trades): each written byte for byte as JSON.stringify writes it.
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { DECLINED, JsonBytes } from '../../src/sinks/json-bytes.js';
import { startSim } from '../../src/sim/index.js';
import { stream } from '../../src/api/stream.js';

describe('JsonBytes on real events', () => {
  it('writes every event of a hub exactly as JSON.stringify does', async () => {
    const sim = await startSim({ seed: 5, intervalMs: 5, levels: 300, pingIntervalMs: 60_000, exchanges: ['binance'], symbols: ['BTC/USDT'] });
    try {
      const events = await firstValueFrom(
        stream({ markets: ['binance:BTC/USDT'], channels: ['book', 'trades'], endpoints: { binance: sim.endpoints.binance! } }).pipe(
          take(200),
          toArray(),
        ),
      );
      const types = new Set(events.map((e) => e.type));
      expect([...types].sort()).toEqual(expect.arrayContaining(['book_delta', 'book_snapshot', 'status']));
      const buf = Buffer.alloc(1 << 20);
      const w = new JsonBytes(buf);
      for (const e of events) {
        const end = w.write(e, 0);
        expect(end, e.type).not.toBe(DECLINED);
        expect(buf.toString('latin1', 0, end)).toBe(JSON.stringify(e));
      }
    } finally {
      await sim.close();
    }
  });
});
