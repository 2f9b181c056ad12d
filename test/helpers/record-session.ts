/**
 * Record simulator sessions and replay them: `recordHarness` runs a harness with a Recorder until a condition, then
 * closes the hub and flushes the recording; `replayFile` replays a recording whole; `recordSimSession` is the
 * common case (two Binance books, live, then N more deltas).
 */
import { lastValueFrom, toArray } from 'rxjs';
import type { MarketEvent } from '../../src/schema/events.js';
import { Recorder, type RecordOptions } from '../../src/record/recorder.js';
import { replay, type ReplayResult } from '../../src/record/replay.js';
import { isStatus, startHarness, type Harness, type HarnessOptions } from './harness.js';

export interface RecordedSession {
  events: MarketEvent[];
  files: readonly string[];
}

/**
 * Start a harness whose hub records to `record`, run `until` on it, then close the hub (the recording is complete
 * once it is closed) and the harness, whatever `until` did: what the hub emitted, and the files written.
 */
export async function recordHarness(
  record: RecordOptions,
  opts: Omit<HarnessOptions, 'deps'>,
  until: (h: Harness) => Promise<unknown>,
): Promise<RecordedSession> {
  let rec: Recorder | undefined;
  const h = await startHarness({
    ...opts,
    deps: (config) => {
      rec = new Recorder(config, record);
      return rec.deps;
    },
  });
  try {
    await until(h);
  } finally {
    h.hub.close();
    await rec!.close();
    await h.close();
  }
  return { events: [...h.events], files: rec!.files };
}

/** Replay `file` at full speed: every event it emits, and the replay's result. */
export async function replayFile(file: string): Promise<{ events: MarketEvent[]; result: ReplayResult }> {
  let result: ReplayResult | undefined;
  const events = await lastValueFrom(replay(file, { onEnd: (r) => (result = r) }).pipe(toArray()));
  return { events, result: result! };
}

export async function recordSimSession(opts: RecordOptions & { deltas?: number }): Promise<RecordedSession> {
  return recordHarness(opts, { exchanges: ['binance'], markets: ['binance:BTC/USDT', 'binance:ETH/USDT'] }, async (h) => {
    await Promise.all(
      ['BTC/USDT', 'ETH/USDT'].map((symbol) =>
        h.waitFor(isStatus({ exchange: 'binance', symbol, channel: 'book', state: 'live' }), `${symbol} live`),
      ),
    );
    const want = opts.deltas ?? 40;
    let n = 0;
    await h.waitFor((e) => e.type === 'book_delta' && ++n >= want, `${want} deltas`);
  });
}
