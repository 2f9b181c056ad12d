/** The embedded API: `stream({ …, record: { file } })` records; `replay(file)` gives back the same events. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { replay, stream, type MarketEvent, type StreamOptions } from '../../src/index.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { binanceAdapter } from '../../src/exchanges/binance/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-api-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `stream()` of ETH/USDT from the simulator, recorded to `file`; `flushed` settles once the recording is on disk. */
function recordedStream(sim: Simulator, file: string, extra: Partial<StreamOptions> = {}): { events$: Observable<MarketEvent>; flushed: Promise<Error | undefined> } {
  let closed: (err?: Error) => void = () => {};
  const flushed = new Promise<Error | undefined>((resolve) => (closed = resolve));
  const events$ = stream({
    markets: ['binance:ETH/USDT'],
    endpoints: { binance: sim.endpoints.binance! },
    reconcileIntervalMs: 0,
    ...extra,
    record: { file, onClosed: (err) => closed(err) },
  });
  return { events$, flushed };
}

describe('stream({ record }) and replay()', () => {
  it('records while streaming; the replay emits the same events', async () => {
    const sim = await startSim({ exchanges: ['binance'], seed: 11, intervalMs: 20 });
    try {
      const file = join(dir, 'api.ndjson.gz');
      const live: MarketEvent[] = [];
      const { events$, flushed } = recordedStream(sim, file);
      await new Promise<void>((resolve) => {
        let deltas = 0;
        const sub = events$.subscribe((e) => {
          live.push(e);
          if (e.type === 'book_delta' && ++deltas === 30) setImmediate(() => {
            sub.unsubscribe();
            resolve();
          });
        });
      });
      expect(await flushed).toBeUndefined();
      const replayed = await lastValueFrom(replay(file).pipe(toArray()));
      expect(live.some((e) => e.type === 'book_snapshot')).toBe(true);
      expect(replayed).toEqual(live);
    } finally {
      await sim.close();
    }
  });

  it('records through the adapters the caller gave (credentials, overrides), not the keyless ones', async () => {
    const sim = await startSim({ exchanges: ['binance'], seed: 12, intervalMs: 20 });
    try {
      const subscribed: string[] = [];
      const adapter = {
        ...binanceAdapter,
        subscribe: (...args: Parameters<typeof binanceAdapter.subscribe>) => {
          const out = binanceAdapter.subscribe(...args);
          subscribed.push(...out);
          return out;
        },
      };
      const { events$, flushed } = recordedStream(sim, join(dir, 'adapters.ndjson.gz'), { adapters: { binance: adapter } });
      await new Promise<void>((resolve) => {
        const sub = events$.subscribe((e) => {
          if (e.type === 'book_delta') setImmediate(() => {
            sub.unsubscribe();
            resolve();
          });
        });
      });
      expect(await flushed).toBeUndefined();
      expect(subscribed.some((m) => m.includes('ethusdt@depth'))).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
