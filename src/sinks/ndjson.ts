/**
 * NDJSON sink: one event per line on a Writable (stdout). A slow reader never grows memory without bound: past
 * `maxBufferedBytes` of unwritten output, events are dropped and counted per stream; once the writable drains,
 * `onGap` is told what was lost (the CLI turns it into an explicit `gap` status and a fresh book snapshot).
 */
import type { Observable, Subscription } from 'rxjs';
import type { Writable } from 'node:stream';
import type { MarketEvent } from '../schema/events.js';
import { streamKey } from '../pipeline/stamper.js';

export interface GapInfo {
  key: string;
  exchange: MarketEvent['exchange'];
  symbol: string | undefined;
  dropped: number;
  firstSeq: number;
  lastSeq: number;
  /** The stream was a book stream: the consumer needs a fresh snapshot. */
  book: boolean;
}

export interface NdjsonSinkOptions {
  maxBufferedBytes: number;
  onGap?: (gap: GapInfo) => void;
  /** Called when the writable fails (EPIPE when the reader went away). */
  onClosed?: (err?: Error) => void;
}

export function serializeEvent(e: MarketEvent): string {
  return JSON.stringify(e) + '\n';
}

/**
 * Lines written in one tick leave together (one writev) once the tick's work is done — unless the tick is long (a
 * socket read of many frames): a line then leaves as soon as a frame that arrived this long after the first
 * waiting line's frame has been processed (`localTime`, µs), so no line waits for a whole batch.
 */
const MAX_CORK_MICROS = 100;

export function writeNdjson(events$: Observable<MarketEvent>, out: Writable, opts: NdjsonSinkOptions): Subscription {
  const gaps = new Map<string, GapInfo>();
  let dropping = false;
  let closed = false;
  let corked = false;
  let corkedSince = 0;
  const uncork = (): void => {
    if (!corked) return;
    corked = false;
    out.uncork();
  };

  const flushGaps = (): void => {
    dropping = false;
    const list = [...gaps.values()];
    gaps.clear();
    for (const g of list) opts.onGap?.(g);
  };
  out.on('drain', () => {
    if (dropping) flushGaps();
  });
  out.on('error', (err: Error) => {
    if (closed) return;
    closed = true;
    opts.onClosed?.(err);
  });
  out.on('close', () => {
    if (closed) return;
    closed = true;
    opts.onClosed?.();
  });

  return events$.subscribe({
    next(e) {
      if (closed) return;
      if (dropping || out.writableLength > opts.maxBufferedBytes) {
        if (!dropping) dropping = true;
        const key = streamKey(e);
        const g = gaps.get(key);
        if (g) {
          g.dropped++;
          g.lastSeq = e.seq;
        } else {
          gaps.set(key, {
            key,
            exchange: e.exchange,
            symbol: 'symbol' in e ? e.symbol : undefined,
            dropped: 1,
            firstSeq: e.seq,
            lastSeq: e.seq,
            book: e.type === 'book_delta' || e.type === 'book_snapshot',
          });
        }
        if (out.writableLength === 0) flushGaps();
        return;
      }
      if (corked && e.localTime - corkedSince > MAX_CORK_MICROS) uncork();
      if (!corked) {
        corked = true;
        corkedSince = e.localTime;
        out.cork();
        process.nextTick(uncork);
      }
      out.write(serializeEvent(e));
    },
  });
}
