/**
 * NDJSON sink: one event per line on a Writable (stdout; the CLI passes an FdWriter, ./fd-writer.ts). A slow reader never grows memory without bound: past
 * `maxBufferedBytes` of unwritten output, events are dropped and counted per stream; once the writable drains,
 * `onGap` is told what was lost (the CLI turns it into an explicit `gap` status and a fresh book snapshot).
 *
 * It converges whatever the bound: what `onGap` emits (the gap status and the fresh snapshot) is always written —
 * a recovery is never dropped half-way — and the bound is at least twice the largest line written so far, so that
 * after a snapshot larger than `maxBufferedBytes` the events that follow it still fit (otherwise every recovery
 * would overflow the bound again: gap → snapshot → gap … forever). Drops are reported through `onDropped`, at most
 * once per `dropReportMs`.
 */
import type { Observable, Subscription } from 'rxjs';
import type { MarketEvent } from '../schema/events.js';
import { streamKey } from '../schema/stream-key.js';
import { TurnBatch } from '../util/turn-batch.js';
import { JsonBytes, NO_ROOM } from './json-bytes.js';
import type { NdjsonOutput } from './fd-writer.js';
import type { LevelSpans } from '../book/level-spans.js';

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
  /**
   * Events dropped since the last report (rate-limited to one call per `dropReportMs`; a remainder is reported when
   * that time is up), with the bound in force (`bufferBytes`: maxBufferedBytes or twice the largest line).
   */
  onDropped?: (report: DropReport) => void;
  /** Default 10 000. */
  dropReportMs?: number;
  /** One line per event, without its newline (default: the event's JSON; `stream --pretty`: a readable line). */
  format?: (e: MarketEvent) => string;
  /**
   * The hub's level spans (`HubDeps.levelSpans`): a book_delta's levels are copied from the frame's bytes. Only for
   * events nothing has changed since the hub emitted them (level-spans.ts).
   */
  levelSpans?: LevelSpans;
  /** The clock (ms) a long turn's writes are spaced by (EARLY_WRITE_GAP_MS; default performance.now; tests drive it). */
  now?: () => number;
}

export interface DropReport {
  dropped: number;
  /** Streams that lost events, e.g. `binance:BTC/USDT@book`. */
  streams: string[];
  bufferBytes: number;
}

/**
 * Lines are serialized into chunks of this many bytes and written as Buffer slices of them: one write per batch, and
 * no string per line outlives its serialization. (Strings handed to the writable stay referenced until the write
 * completes; while the reader lags they survive young-generation collections, are promoted, and fill old space with
 * garbage — that was most of the CLI's peak RSS.)
 */
const CHUNK_BYTES = 64 * 1024;
/** UTF-8 bytes per UTF-16 code unit, at most: a line surely fits when 3 × its length (+ newline) fits. */
const MAX_UTF8_PER_UNIT = 3;
const NEWLINE = 10;
/**
 * In a burst — lines coming at BURST_LINES_PER_MS or more, measured over RATE_WINDOW_MS at least — a long turn's
 * waiting lines are written early at most once per EARLY_WRITE_GAP_MS while the output keeps up: on a pipe each write
 * wakes a reader that had emptied it, and those wakeups (context switches, inter-processor interrupts) were a large
 * part of the CLI's cost in bursts (bench/README, twelfth pass). At the real cadence (20 symbols: a step's 20 lines,
 * then nothing for 100 ms) nothing changes: every early batch is written, however long a turn a busy CPU makes. While
 * the output has a backlog every batch is handed over too, so that the writer retries the pipe as often.
 */
const EARLY_WRITE_GAP_MS = 0.5;
const BURST_LINES_PER_MS = 20;
const RATE_WINDOW_MS = 2;

export function writeNdjson(events$: Observable<MarketEvent>, out: NdjsonOutput, opts: NdjsonSinkOptions): Subscription {
  const format = opts.format ?? JSON.stringify;
  /** The default format: the event's JSON written straight into the chunk (no string, no UTF-8 encoding pass). */
  const bytes = opts.format === undefined ? new JsonBytes(Buffer.alloc(0), opts.levelSpans) : undefined;
  const gaps = new Map<string, GapInfo>();
  let dropping = false;
  let closed = false;
  /** While onGap runs: what it emits (gap status, fresh snapshot) is written whatever the backlog. */
  let recovering = false;
  /** The bound: maxBufferedBytes, or twice the largest line written so far when that is more. */
  let bound = opts.maxBufferedBytes;
  // drop reports (rate-limited)
  const reportMs = opts.dropReportMs ?? 10_000;
  let unreported = 0;
  const unreportedStreams = new Set<string>();
  let lastReport = -Infinity;
  let reportTimer: ReturnType<typeof setTimeout> | undefined;
  // the chunk being filled: bytes [start, used) wait to be written; [0, start) were handed to `out` already
  let chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  let start = 0;
  let used = 0;

  const clock = opts.now ?? (() => performance.now());
  /** When lines were last handed to `out` (clock ms). */
  let wroteAt = -Infinity;
  /** Lines appended since `rateSince` (clock ms), and whether the last full window's rate was a burst's. */
  let rateLines = 0;
  let rateSince = -Infinity;
  let burst = false;
  /** At an early batch's end: is this a burst? (The rate is re-measured once its window is RATE_WINDOW_MS long.) */
  const inBurst = (now: number): boolean => {
    if (now - rateSince >= RATE_WINDOW_MS) {
      burst = rateLines >= BURST_LINES_PER_MS * (now - rateSince);
      rateLines = 0;
      rateSince = now;
    }
    return burst;
  };
  /**
   * Write the waiting lines. `early` (a long turn's lines, see TurnBatch): not in a burst when lines were written less
   * than EARLY_WRITE_GAP_MS ago and the output has no backlog — they leave with the next early batch or at the turn's end.
   */
  const flush = (early = false): void => {
    if (used === start || closed) return;
    const now = clock();
    if (early && now - wroteAt < EARLY_WRITE_GAP_MS && out.writableLength === 0 && inBurst(now)) return;
    wroteAt = now;
    const gone = out.write(chunk.subarray(start, used)) && out.consumesWrites === true;
    // everything was copied out at once (an FdWriter that had no backlog): the same chunk takes the next lines
    start = used = gone ? 0 : used;
  };
  // the lines of one event-loop turn leave in one write (see TurnBatch)
  const batch = new TurnBatch(() => undefined, flush);
  /**
   * Append one line (`json` + newline), writing the waiting lines first when the chunk could not hold it. The batch
   * stays open: its end writes this line too.
   */
  const append = (json: string): void => {
    const room = json.length * MAX_UTF8_PER_UNIT + 1;
    if (used + room > CHUNK_BYTES) {
      flush();
      const bytes = room > CHUNK_BYTES ? Buffer.byteLength(json) + 1 : 0;
      if (bytes > CHUNK_BYTES) {
        out.write(json + '\n'); // larger than a chunk (a deep snapshot): a string of its own
        bound = Math.max(bound, 2 * bytes);
        return;
      }
      fresh();
    }
    const at = used;
    used += chunk.write(json, used);
    chunk[used++] = NEWLINE;
    if (2 * (used - at) > bound) bound = 2 * (used - at);
  };
  /** After a flush: a new chunk, unless nothing was written to this one (the old one may still be being written). */
  const fresh = (): void => {
    if (used === 0) return;
    chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    start = used = 0;
  };
  /**
   * Append an event's line. The default format writes its JSON into the chunk directly (bytes past `used` are free:
   * nothing handed to `out` covers them); when that does not fit, the waiting lines are written and a fresh chunk
   * is tried; a line larger than a chunk, or one JsonBytes declines, goes through JSON.stringify.
   */
  const appendEvent = (e: MarketEvent): void => {
    if (bytes === undefined) return append(format(e));
    bytes.buf = chunk;
    let end = bytes.write(e, used);
    if (end === NO_ROOM && used > 0) {
      flush();
      fresh();
      bytes.buf = chunk;
      end = bytes.write(e, used);
    }
    if (end < 0 || end >= CHUNK_BYTES) return append(JSON.stringify(e));
    const at = used;
    chunk[end] = NEWLINE;
    used = end + 1;
    if (2 * (used - at) > bound) bound = 2 * (used - at);
  };

  const report = (): void => {
    reportTimer = undefined;
    if (unreported === 0) return;
    lastReport = Date.now();
    const r: DropReport = { dropped: unreported, streams: [...unreportedStreams], bufferBytes: bound };
    unreported = 0;
    unreportedStreams.clear();
    opts.onDropped?.(r);
  };
  const noteDropped = (key: string): void => {
    unreported++;
    unreportedStreams.add(key);
    if (reportTimer !== undefined) return;
    const wait = lastReport + reportMs - Date.now();
    if (wait <= 0) report();
    else {
      reportTimer = setTimeout(report, wait);
      reportTimer.unref();
    }
  };

  const flushGaps = (): void => {
    dropping = false;
    const list = [...gaps.values()];
    gaps.clear();
    recovering = true;
    try {
      for (const g of list) opts.onGap?.(g);
    } finally {
      recovering = false;
    }
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

  const sub = events$.subscribe({
    next(e) {
      if (closed) return;
      if (!recovering && (dropping || out.writableLength + (used - start) > bound)) {
        if (!dropping) dropping = true;
        const key = streamKey(e);
        noteDropped(key);
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
        if (out.writableLength === 0 && used === start) flushGaps();
        return;
      }
      batch.add(e.localTime);
      rateLines++;
      appendEvent(e);
    },
  });
  // lines still waiting leave when the sink is unsubscribed (the CLI stops at a signal), in order
  sub.add(batch.close);
  sub.add(() => {
    if (reportTimer !== undefined) clearTimeout(reportTimer);
    report();
  });
  return sub;
}
