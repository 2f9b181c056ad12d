/** Record a short simulator session (two Binance books, live, then N more deltas) and return what it emitted. */
import type { MarketEvent } from '../../src/schema/events.js';
import { Recorder, type RecordOptions } from '../../src/record/recorder.js';
import { isStatus, startHarness } from './harness.js';

export interface RecordedSession {
  events: MarketEvent[];
  files: readonly string[];
}

export async function recordSimSession(opts: RecordOptions & { deltas?: number }): Promise<RecordedSession> {
  let rec: Recorder | undefined;
  const h = await startHarness({
    exchanges: ['binance'],
    markets: ['binance:BTC/USDT', 'binance:ETH/USDT'],
    deps: (config) => {
      rec = new Recorder(config, opts);
      return rec.deps;
    },
  });
  try {
    await Promise.all(
      ['BTC/USDT', 'ETH/USDT'].map((symbol) =>
        h.waitFor(isStatus({ exchange: 'binance', symbol, channel: 'book', state: 'live' }), `${symbol} live`),
      ),
    );
    const want = opts.deltas ?? 40;
    let n = 0;
    await h.waitFor((e) => e.type === 'book_delta' && ++n >= want, `${want} deltas`);
    h.hub.close();
    await rec!.close();
    return { events: [...h.events], files: rec!.files };
  } finally {
    await h.close();
  }
}
