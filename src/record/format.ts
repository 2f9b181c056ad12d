/**
 * The recording format (docs/record-replay.md): gzip NDJSON. Line 1 is a header; every other line is one record
 * of what entered or left the pipeline — raw frames received and sent, connection status events, REST outcomes and
 * the firings of the pipeline's timers — each with its local time in µs. Never a normalized event.
 */
import { z } from 'zod';
import { TickwireConfig } from '../config.js';
import { ExchangeId } from '../schema/events.js';

export const RECORDING_FORMAT = 'tickwire-recording';
export const RECORDING_VERSION = 1;

export const RecordingHeader = z.object({
  format: z.literal(RECORDING_FORMAT),
  version: z.literal(RECORDING_VERSION),
  /** 0 for the first file of a chain, then 1, 2… */
  part: z.number().int().nonnegative(),
  /** The recording clock's origin (epoch µs): the hub's start time, hence its `epoch`. */
  origin: z.number().int(),
  /** Seed of the pipeline's jitter source (REST backoff), so retry decisions replay the same. */
  seed: z.number().int().nonnegative(),
  /** Every setting that changes a decision: markets, channels, endpoints, depths, intervals, timeouts… */
  config: TickwireConfig,
  createdAt: z.string(),
  tickwire: z.string(),
});
export type RecordingHeader = z.infer<typeof RecordingHeader>;

const T = z.number().int();
/** Set when no microtask checkpoint ran since the previous input record (same synchronous run): no drain between. */
const S = z.literal(1).optional();

/** A text frame received on connection `c`. */
export const FrameRecord = z.object({ k: z.literal('frame'), t: T, s: S, x: ExchangeId, c: z.string(), d: z.string() });
/** A frame written on connection `c`; `app` when the pipeline asked for it (send / subscriptions on open). */
export const SentRecord = z.object({
  k: z.literal('sent'),
  t: T,
  x: ExchangeId,
  c: z.string(),
  d: z.string(),
  app: z.literal(1).optional(),
});
/** A connection status event; `n` when it was emitted inside the pipeline's own call (`reconnect()`). */
export const StatusRecord = z.object({
  k: z.literal('status'),
  t: T,
  s: S,
  n: z.literal(1).optional(),
  x: ExchangeId,
  c: z.string(),
  state: z.enum(['connecting', 'open', 'closed', 'reconnecting']),
  code: z.string(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
/** The outcome of REST call number `id` (in call order): a response, or the error it failed with. */
export const RestRecord = z.object({
  k: z.literal('rest'),
  t: T,
  s: S,
  id: z.number().int().nonnegative(),
  x: ExchangeId.optional(),
  url: z.string(),
  status: z.number().int().optional(),
  /** Only the headers that change decisions: weights, rate limits, Retry-After. */
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  error: z.string().optional(),
  aborted: z.literal(1).optional(),
});
/** Pipeline timer number `id` (in scheduling order) fired. */
export const TimerRecord = z.object({ k: z.literal('timer'), t: T, s: S, id: z.number().int().nonnegative() });
/**
 * The output sink fell behind and dropped events of stream `key` (live `stream` on a slow stdout): the hub emitted
 * a `gap` status (and a fresh book snapshot) at this point, so the replay does too.
 */
export const GapRecord = z.object({
  k: z.literal('gap'),
  t: T,
  s: S,
  key: z.string(),
  x: ExchangeId,
  symbol: z.string().optional(),
  dropped: z.number().int(),
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
  book: z.boolean(),
});
/** The recording continues in the next part of the chain. */
export const NextRecord = z.object({ k: z.literal('next'), t: T, file: z.string() });
/** The recorder closed cleanly. */
export const EndRecord = z.object({ k: z.literal('end'), t: T });

export const RecordLine = z.discriminatedUnion('k', [
  FrameRecord,
  SentRecord,
  StatusRecord,
  RestRecord,
  TimerRecord,
  GapRecord,
  NextRecord,
  EndRecord,
]);
export type RecordLine = z.infer<typeof RecordLine>;
export type FrameRecord = z.infer<typeof FrameRecord>;
export type SentRecord = z.infer<typeof SentRecord>;
export type StatusRecord = z.infer<typeof StatusRecord>;
export type RestRecord = z.infer<typeof RestRecord>;
export type TimerRecord = z.infer<typeof TimerRecord>;
export type GapRecord = z.infer<typeof GapRecord>;
/** Records that drive the pipeline (they set the recorded clock); `sent`, `next` and `end` do not. */
export type InputRecord = FrameRecord | StatusRecord | RestRecord | TimerRecord | GapRecord;

export function isInput(r: RecordLine): r is InputRecord {
  return r.k === 'frame' || r.k === 'status' || r.k === 'rest' || r.k === 'timer' || r.k === 'gap';
}

/** `session.ndjson.gz` → part 2 → `session.2.ndjson.gz` (any other name: `name.2`). */
export function partName(base: string, part: number): string {
  if (part === 0) return base;
  const m = /^(.*?)(\.ndjson\.gz|\.ndjson|\.gz)$/.exec(base);
  return m ? `${m[1]}.${part}${m[2]}` : `${base}.${part}`;
}

/** Response headers worth keeping: request weights, rate limits, Retry-After. */
export function keptHeaders(headers: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(headers)) {
    if (/weight|limit|retry-after/i.test(k)) {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}
