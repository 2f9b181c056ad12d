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
import { statSync } from 'node:fs';
import { partName } from '../record/format.js';
import { Tally, humanBytes, progressBar } from './human/progress.js';
import { onShutdownSignals } from './shutdown.js';

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

/** Compressed bytes of the recording: the files given, or the first file and the rotated parts beside it. */
function chainBytes(input: string | readonly string[]): number {
  const size = (f: string): number | undefined => {
    try {
      return statSync(f).size;
    } catch {
      return undefined;
    }
  };
  if (typeof input !== 'string') return input.reduce((n, f) => n + (size(f) ?? 0), 0);
  let total = 0;
  for (let part = 0; part < 10_000; part++) {
    const n = size(partName(input, part));
    if (n === undefined) break;
    total += n;
  }
  return total;
}

/** A progress bar redrawn on stderr while stderr is a terminal (nothing otherwise). */
function progressOnTerminal(err: NodeJS.WriteStream, total: number, tally: Tally): { start(read: { readonly bytes: number }): void; end(): void } {
  let timer: NodeJS.Timeout | undefined;
  const tty = err.isTTY === true && total > 0;
  return {
    start(read) {
      if (!tty) return;
      timer = setInterval(() => {
        const r = tally.report(1000);
        err.write(`\r${progressBar(read.bytes / total)}  ${r.events} events  ${humanBytes(read.bytes)} / ${humanBytes(total)}\x1b[K`);
      }, 200);
      timer.unref();
    },
    end() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      err.write('\r\x1b[K');
    },
  };
}

export async function runReplay(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { speed: { type: 'string' }, 'log-level': { type: 'string' } });
  if (positionals.length === 0) throw new TwError('TW_ERR_CONFIG', 'replay needs a recording: tickwire replay session.ndjson.gz');
  const speed = parseSpeed(values.speed);
  const logger = makeLogger(typeof values['log-level'] === 'string' ? values['log-level'] : 'warn');
  const input = positionals.length === 1 ? positionals[0]! : positionals;
  const adapters = await adaptersFromEnv(process.env); // the same adapters as a live stream (credentials from the environment)
  const out = process.stdout;
  let result: ReplayResult | undefined;
  let stoppedBy: string | undefined;
  let failure: unknown;
  const tally = new Tally();
  const startedAt = Date.now();
  const progress = progressOnTerminal(process.stderr, chainBytes(input), tally);
  return new Promise<number>((resolve, reject) => {
    let sub: Subscription | undefined;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      sub?.unsubscribe();
      progress.end();
      const r = tally.report(Date.now() - startedAt, true);
      const d = result?.damage;
      const line =
        `replayed ${r.events} events, ${r.books.total} book(s) from ${result?.records ?? 0} records` +
        (d ? `; damaged at ${d.file} line ${d.line}` : '; no damage');
      // a person at a terminal gets the summary; a script gets it as an info record (quiet at the default warn)
      if (process.stderr.isTTY === true && logger.level !== 'silent') process.stderr.write(`tickwire: ${line}\n`);
      else logger.info({ events: r.events, books: r.books.total, records: result?.records, ...(d ? { damage: d } : {}) }, line);
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
      onOpen: (read) => progress.start(read),
      adapters,
      pace: () => (out.writableLength > PACE_BYTES ? once(out, 'drain').then(() => undefined) : undefined),
      onEnd: (r) => {
        result = r;
      },
    }).pipe(
      catchError((err: unknown) => {
        failure = err;
        return EMPTY;
      }),
      tap({ next: (e) => tally.observe(e), complete: ended }),
    );
    sub = writeNdjson(events$, out, {
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      onClosed: () => stop('stdout closed'),
    });
    onShutdownSignals(logger, stop);
  });
}
