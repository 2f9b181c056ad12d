/** The embedded API: `stream({ …, record: { file } })` records; `replay(file)` gives back the same events. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { replay, stream, type MarketEvent } from '../../src/index.js';
import { startSim } from '../../src/sim/index.js';
import { binanceAdapter } from '../../src/exchanges/binance/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-api-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stream({ record }) and replay()', () => {
  it('records while streaming; the replay emits the same events', async () => {
    const sim = await startSim({ exchanges: ['binance'], seed: 11, intervalMs: 20 });
    try {
      const file = join(dir, 'api.ndjson.gz');
      const live: MarketEvent[] = [];
      let closed: (err?: Error) => void = () => {};
      const flushed = new Promise<Error | undefined>((resolve) => (closed = resolve));
      const events$ = stream({
        markets: ['binance:ETH/USDT'],
        endpoints: { binance: sim.endpoints.binance! },
        reconcileIntervalMs: 0,
        record: { file, onClosed: (err) => closed(err) },
      });
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
      let closed: (err?: Error) => void = () => {};
      const flushed = new Promise<Error | undefined>((resolve) => (closed = resolve));
      const events$ = stream({
        markets: ['binance:ETH/USDT'],
        endpoints: { binance: sim.endpoints.binance! },
        reconcileIntervalMs: 0,
        adapters: { binance: adapter },
        record: { file: join(dir, 'adapters.ndjson.gz'), onClosed: (err) => closed(err) },
      });
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
