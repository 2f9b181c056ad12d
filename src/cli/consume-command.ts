/**
 * `tickwire consume [SUBJECT-FILTER] [--nats URL] [--nats-stream NAME] [--nats-prefix P] [--from snapshot|all|new]`:
 * reads what tickwire publishers stored in NATS JetStream and writes it as NDJSON on stdout (the same events
 * `tickwire stream` prints), each book starting from its latest checkpoint; losses appear as `gap` status lines.
 * Logs go to stderr. Ends on SIGINT/SIGTERM, when `signal` aborts, or when stdout closes.
 */
import type { Writable } from 'node:stream';
import { catchError, EMPTY, merge, Subject } from 'rxjs';
import type { Logger } from 'pino';
import { TwError } from '../errors.js';
import type { MarketEvent, StatusEvent } from '../schema/events.js';
import { NatsConsumeOptions } from '../nats/options.js';
import { writeNdjson } from '../sinks/ndjson.js';
import { fromNats } from '../sources/nats.js';
import { systemClock } from '../util/clock.js';
import { makeLogger, parseFlags } from './args.js';
import { natsStatusLogger } from './nats-flags.js';
import { onShutdownSignals } from './shutdown.js';

export const CONSUME_FLAGS = {
  nats: { type: 'string' },
  'nats-stream': { type: 'string' },
  'nats-prefix': { type: 'string' },
  from: { type: 'string' },
  'stdout-buffer': { type: 'string' },
  'log-level': { type: 'string' },
} as const;


export interface ConsumeDeps {
  /** Aborting ends the command (tests; the CLI uses SIGINT/SIGTERM). */
  signal?: AbortSignal;
  logger?: Logger;
}

export async function runConsume(args: string[], stdout: Writable, deps: ConsumeDeps = {}): Promise<number> {
  const { values, positionals } = parseFlags(args, CONSUME_FLAGS);
  if (positionals.length > 1) throw new TwError('TW_ERR_CONFIG', 'consume takes one subject filter');
  const raw: Record<string, unknown> = {};
  if (typeof values['nats'] === 'string') raw['servers'] = values['nats'].split(',');
  if (typeof values['nats-stream'] === 'string') raw['stream'] = values['nats-stream'];
  if (typeof values['nats-prefix'] === 'string') raw['prefix'] = values['nats-prefix'];
  if (typeof values['from'] === 'string') raw['start'] = values['from'];
  if (positionals[0] !== undefined) raw['filter'] = positionals[0];
  const parsed = NatsConsumeOptions.safeParse(raw);
  if (!parsed.success) {
    throw new TwError('TW_ERR_CONFIG', parsed.error.issues.map((i) => `${i.path.join('.') || 'option'}: ${i.message}`).join('; '));
  }
  const cfg = parsed.data;
  if (cfg.filter !== undefined && !cfg.filter.startsWith(cfg.prefix + '.')) {
    throw new TwError('TW_ERR_CONFIG', `the subject filter must start with "${cfg.prefix}." (got ${JSON.stringify(cfg.filter)})`);
  }
  const stdoutBuffer = values['stdout-buffer'] === undefined ? 8 * 1024 * 1024 : Number(values['stdout-buffer']);
  if (!Number.isSafeInteger(stdoutBuffer) || stdoutBuffer <= 0) throw new TwError('TW_ERR_CONFIG', '--stdout-buffer expects a positive integer');
  const logger = deps.logger ?? makeLogger(typeof values['log-level'] === 'string' ? values['log-level'] : 'info');

  const gaps$ = new Subject<MarketEvent>();
  let gapSeq = 0;
  return new Promise<number>((resolve) => {
    let done = false;
    const events$ = merge(fromNats(cfg, { onStatus: natsStatusLogger(logger) }), gaps$).pipe(
      catchError((err: unknown) => {
        logger.error({ err }, 'NATS consumer failed');
        queueMicrotask(() => finish(1, 'consumer failed'));
        return EMPTY;
      }),
    );
    const finish = (code: number, why: string): void => {
      if (done) return;
      done = true;
      logger.info({ why }, 'stopping');
      sub.unsubscribe();
      offSignals();
      deps.signal?.removeEventListener('abort', onAbort);
      resolve(code);
    };
    const sub = writeNdjson(events$, stdout, {
      maxBufferedBytes: stdoutBuffer,
      onGap: (g) => {
        const st: StatusEvent = {
          type: 'status',
          scope: 'stream',
          exchange: g.exchange,
          state: 'gap',
          code: 'TW_ERR_BACKPRESSURE',
          reason: `stdout too slow: ${g.dropped} event(s) of ${g.key} dropped`,
          details: { streamKey: g.key, fromSeq: g.firstSeq, toSeq: g.lastSeq, dropped: g.dropped },
          localTime: systemClock.nowMicros(),
          seq: ++gapSeq,
          epoch: 'tickwire-consume',
        };
        if (g.symbol !== undefined) st.symbol = g.symbol;
        gaps$.next(st);
      },
      onClosed: () => finish(0, 'stdout closed'),
    });
    const onAbort = (): void => finish(0, 'aborted');
    const offSignals = onShutdownSignals(logger, (signal) => finish(0, signal));
    if (deps.signal?.aborted) onAbort();
    else deps.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
