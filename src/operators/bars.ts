/**
 * `bars({ interval })`: closed trade bars (`trade_bar` events) from a stream of market events — a local `stream()`,
 * NATS, a recording, a remote server. How bars are aligned, closed and marked incomplete: ../bars/bar-builder.ts.
 * Each bar's `seq` counts per `exchange:symbol@bars` from 1, its `epoch` is the epoch of the trades it was built from.
 * When the source completes, the open bars are flushed (marked incomplete where their interval had not ended).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { MarketEvent, TradeBarEvent } from '../schema/events.js';
import { BarBuilder, parseBarInterval, type BarOptions, type UnstampedBar } from '../bars/bar-builder.js';

export type { BarOptions } from '../bars/bar-builder.js';

export function bars(options: BarOptions): OperatorFunction<MarketEvent, TradeBarEvent> {
  parseBarInterval(options.interval); // a bad interval fails here, not at subscription
  return (source) =>
    new Observable<TradeBarEvent>((subscriber) => {
      const builder = new BarBuilder(options);
      const seqs = new Map<string, number>();
      const epochs = new Map<string, string>();
      let lastLocal = 0;
      const emit = (bars: UnstampedBar[]): void => {
        for (const b of bars) {
          const key = `${b.exchange}:${b.symbol}`;
          const seq = (seqs.get(key) ?? 0) + 1;
          seqs.set(key, seq);
          subscriber.next({ ...b, seq, epoch: epochs.get(key) ?? '' });
        }
      };
      return source.subscribe({
        next(e) {
          lastLocal = e.localTime;
          if (e.type === 'trade') {
            const key = `${e.exchange}:${e.symbol}`;
            // a bar closed by this trade belongs to the previous epoch's trades: stamp after emitting
            const closed = builder.onEvent(e);
            emit(closed);
            epochs.set(key, e.epoch);
            return;
          }
          emit(builder.onEvent(e));
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          emit(builder.flush(lastLocal));
          subscriber.complete();
        },
      });
    });
}
