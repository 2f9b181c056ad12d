/**
 * NATS flags shared by `tickwire stream|serve --nats …` and `tickwire consume`, and the glue that starts the
 * publisher next to a hub (`tickwire stream|serve … --nats URL`): NATS_FLAGS are part of STREAM_FLAGS (so of
 * SERVE_FLAGS); the commands call `natsPublishFromFlags(values)` and, with a result, `startNatsPublisher(hub.events$, …)`,
 * and `await handle.stop()` when they end, so what is buffered is flushed first.
 */
import { Subject, takeUntil, type Observable, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import { TwError } from '../errors.js';
import type { MarketEvent } from '../schema/events.js';
import { NatsPublishOptions, type NatsPublishConfig } from '../nats/options.js';
import { publishToNats } from '../api/lazy.js'; // the NATS client loads when a publisher starts
import type { NatsStatus } from '../nats/status.js';
import { intFlag } from './args.js';

export const NATS_FLAGS = {
  nats: { type: 'string' },
  'nats-stream': { type: 'string' },
  'nats-prefix': { type: 'string' },
  'nats-snapshot-every': { type: 'string' },
  'nats-snapshot-interval': { type: 'string' },
  'nats-max-age': { type: 'string' },
  'nats-max-bytes': { type: 'string' },
  'nats-dup-window': { type: 'string' },
  'nats-buffer': { type: 'string' },
} as const;

export const NATS_HELP = `  --nats URL                 also publish every event to NATS JetStream (e.g. nats://127.0.0.1:4222)
  --nats-stream NAME         JetStream stream, created if missing (default TICKWIRE; checkpoints in NAME_SNAP)
  --nats-prefix P            subjects P.<exchange>.<channel>.<symbol> (default tickwire)
  --nats-snapshot-every N    book checkpoint every N events of a book (default 1000)
  --nats-snapshot-interval MS  … or every MS milliseconds (default 10000)
  --nats-max-age MS          stream retention by age, 0 = unlimited (default 3600000)
  --nats-max-bytes N         stream retention by size, -1 = unlimited (default 1 GiB)
  --nats-dup-window MS       JetStream duplicate window for Nats-Msg-Id (default 120000)
  --nats-buffer N            events buffered while NATS is slow or down before shedding (default 50000)
`;

type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** The publisher options from the flags, or undefined without `--nats`. Bad values fail as TW_ERR_CONFIG. */
export function natsPublishFromFlags(values: FlagValues): NatsPublishConfig | undefined {
  if (typeof values['nats'] !== 'string') return undefined;
  const raw: Record<string, unknown> = { servers: values['nats'].split(',') };
  if (typeof values['nats-stream'] === 'string') raw['stream'] = values['nats-stream'];
  if (typeof values['nats-prefix'] === 'string') raw['prefix'] = values['nats-prefix'];
  const ints: Array<[string, string]> = [
    ['nats-snapshot-every', 'snapshotEveryEvents'],
    ['nats-snapshot-interval', 'snapshotEveryMs'],
    ['nats-max-age', 'maxAgeMs'],
    ['nats-dup-window', 'duplicateWindowMs'],
    ['nats-buffer', 'maxBufferedEvents'],
  ];
  for (const [flag, key] of ints) {
    const n = intFlag(flag, values[flag]);
    if (n !== undefined) raw[key] = n;
  }
  if (typeof values['nats-max-bytes'] === 'string') {
    const n = Number(values['nats-max-bytes']);
    if (!Number.isSafeInteger(n) || n < -1) throw new TwError('TW_ERR_CONFIG', '--nats-max-bytes expects an integer >= -1');
    raw['maxBytes'] = n;
  }
  const r = NatsPublishOptions.safeParse(raw);
  if (!r.success) throw new TwError('TW_ERR_CONFIG', `NATS options: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** A repeated NATS problem (same state and reason, numbers aside) is logged at most once per this window. */
export const NATS_WARN_INTERVAL_MS = 30_000;

/**
 * A logger of NATS link statuses on stderr (through the injected logger): TW_OK at info, problems at warn. A
 * problem that repeats (NATS unreachable, retried every few seconds) is logged once per `intervalMs`, with the
 * number of repeats not logged in between (`repeated`).
 */
export function natsStatusLogger(logger: Logger, intervalMs = NATS_WARN_INTERVAL_MS, now: () => number = Date.now): (s: NatsStatus) => void {
  const last = new Map<string, { at: number; repeated: number }>();
  return (s) => {
    const line = { nats: s.state, code: s.code, ...(s.details ? { details: s.details } : {}) };
    if (s.code === 'TW_OK') {
      last.clear(); // the link recovered: the next problem is news
      logger.info(line, s.reason);
      return;
    }
    const key = `${s.state}|${s.code}|${s.reason.replace(/\d+/g, '#')}`;
    const seen = last.get(key);
    const t = now();
    if (seen !== undefined && t - seen.at < intervalMs) {
      seen.repeated++;
      return;
    }
    if (last.size > 256) last.clear(); // bounded: reasons with free text never pile up
    last.set(key, { at: t, repeated: 0 });
    logger.warn(seen !== undefined && seen.repeated > 0 ? { ...line, repeated: seen.repeated } : line, s.reason);
  };
}

export interface NatsPublisherHandle {
  /** Ends the input, waits until the buffer is flushed (bounded by `drainTimeoutMs`), then closes. */
  stop(): Promise<void>;
}

/** Publishes `events$` to NATS next to the other sinks, logging the sink's status on stderr. */
export function startNatsPublisher(events$: Observable<MarketEvent>, options: NatsPublishConfig, logger: Logger): NatsPublisherHandle {
  const stop$ = new Subject<void>();
  const log = natsStatusLogger(logger);
  let sub: Subscription | undefined;
  const done = new Promise<void>((resolve) => {
    sub = publishToNats(events$.pipe(takeUntil(stop$)), options).subscribe({
      next: log,
      error: (err: unknown) => {
        logger.error({ err }, 'NATS publisher failed');
        resolve();
      },
      complete: () => resolve(),
    });
  });
  return {
    stop: async () => {
      stop$.next();
      await done;
      sub?.unsubscribe();
    },
  };
}
