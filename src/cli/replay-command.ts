/**
 * `tickwire replay FILE… [--speed N|max]`: the recording through the same pipeline, the same NDJSON on stdout as
 * the live session printed. stdout holds the replay back (no event is dropped for a slow reader).
 * Exit codes: 0 replayed to the end (or stopped by a signal / a closed stdout), 2 refused (not a recording, unknown
 * version, missing file), 3 damaged: everything before the damage was printed, then an error status; the file,
 * line and reason are on stderr.
 */
import { once } from 'node:events';
import { EMPTY, catchError, tap, type Subscription } from 'rxjs';
import { TwError } from '../errors.js';
import { writeNdjson } from '../sinks/ndjson.js';
import { replay, type ReplayResult } from '../record/replay.js';
import { makeLogger, parseFlags } from './args.js';
import { adaptersFromEnv } from '../exchanges/registry.js';

export const EXIT_DAMAGED = 3;
/** Output backlog at which the replay waits for stdout to drain. */
const PACE_BYTES = 1 << 20;

export function parseSpeed(v: unknown): number | 'max' {
  if (v === undefined || v === 'max') return 'max';
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new TwError('TW_ERR_CONFIG', `--speed expects a positive number (1 = recorded pace) or max, got ${JSON.stringify(v)}`);
  }
  return n;
}

export async function runReplay(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { speed: { type: 'string' }, 'log-level': { type: 'string' } });
  if (positionals.length === 0) throw new TwError('TW_ERR_CONFIG', 'replay needs a recording: tickwire replay session.ndjson.gz');
  const speed = parseSpeed(values.speed);
  const logger = makeLogger(typeof values['log-level'] === 'string' ? values['log-level'] : 'warn');
  const input = positionals.length === 1 ? positionals[0]! : positionals;
  const out = process.stdout;
  let result: ReplayResult | undefined;
  let stoppedBy: string | undefined;
  let failure: unknown;
  return new Promise<number>((resolve, reject) => {
    let sub: Subscription | undefined;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      sub?.unsubscribe();
      logger.flush();
      resolve(code);
    };
    const stop = (why: string): void => {
      stoppedBy = why;
      logger.info({ why }, 'stopping');
      finish(0);
    };
    const ended = (): void => {
      if (stoppedBy !== undefined || done) return;
      if (failure !== undefined) {
        done = true;
        reject(failure); // refused: TW_ERR_RECORDING, exit 2
        return;
      }
      const d = result?.damage;
      if (d) {
        process.stderr.write(`tickwire: recording damaged at ${d.file} line ${d.line}: ${d.reason}; everything before it was replayed\n`);
        finish(EXIT_DAMAGED);
        return;
      }
      if (result && result.divergences > 0) {
        process.stderr.write(`tickwire: the replay diverged from the recording ${result.divergences} time(s) (see the warnings above)\n`);
      }
      finish(0);
    };
    const events$ = replay(input, {
      speed,
      logger,
      adapters: adaptersFromEnv(process.env), // the same adapters as a live stream (credentials from the environment)
      pace: () => (out.writableLength > PACE_BYTES ? once(out, 'drain').then(() => undefined) : undefined),
      onEnd: (r) => {
        result = r;
      },
    }).pipe(
      catchError((err: unknown) => {
        failure = err;
        return EMPTY;
      }),
      tap({ complete: ended }),
    );
    sub = writeNdjson(events$, out, {
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      onClosed: () => stop('stdout closed'),
    });
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
