/** `tickwire stream …`: NDJSON of normalized events on stdout until SIGINT/SIGTERM or stdout closes. */
import { closeSync } from 'node:fs';
import type { Logger } from 'pino';
import { TwError } from '../errors.js';
import {
  parseConfig,
  parseEndpointFlag,
  readConfigFile,
  splitMarketRef,
  type TickwireConfig,
} from '../config.js';
import { CHANNELS, type ExchangeId, type MarketEvent } from '../schema/events.js';
import { prettyEvent } from './human/pretty-event.js';
import { paintFor } from './human/terminal.js';
import { Tally, humanBytes, summaryLine } from './human/progress.js';
import { Hub } from '../pipeline/hub.js';
import { adaptersFromEnv } from '../exchanges/registry.js';
import { LevelSpans } from '../book/level-spans.js';
import { writeNdjson, type DropReport } from '../sinks/ndjson.js';
import { stdoutOutput } from '../sinks/fd-writer.js';
import { EXIT_USAGE, durationFlag, intFlag, makeLogger, parseFlags } from './args.js';
import type { Simulator } from '../sim/index.js';
import { startSim } from '../api/lazy.js'; // the simulator loads with --sim only
import { simSymbolsFor } from '../sim/symbols.js';
import type { NatsPublishConfig } from '../nats/options.js';
import { NATS_FLAGS, natsPublishFromFlags, startNatsPublisher } from './nats-flags.js';
import { Recorder } from '../record/recorder.js';
import { recordOptionsFromArgs } from './record-flags.js';
import { openPrivate } from '../record/writer.js';
import { onShutdownSignals } from './shutdown.js';
import { startMemoryProbe } from './memory-probe.js';

export const STREAM_FLAGS = {
  config: { type: 'string' },
  channels: { type: 'string' },
  bars: { type: 'string' },
  endpoint: { type: 'string', multiple: true },
  sim: { type: 'boolean' },
  'sim-seed': { type: 'string' },
  'book-depth': { type: 'string' },
  'snapshot-depth': { type: 'string' },
  'first-snapshot-depth': { type: 'string' },
  'rest-weight-share': { type: 'string' },
  'symbols-per-connection': { type: 'string' },
  'reconcile-interval': { type: 'string' },
  'no-data-timeout': { type: 'string' },
  'book-pause': { type: 'string' },
  'book-check-interval': { type: 'string' },
  'open-interest-interval': { type: 'string' },
  'max-connection-age': { type: 'string' },
  'stdout-buffer': { type: 'string' },
  'log-level': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  'summary-every': { type: 'string' },
  record: { type: 'string' },
  'rotate-size': { type: 'string' },
  'rotate-minutes': { type: 'string' },
  ...NATS_FLAGS,
} as const;

/** Defaults → config file → flags (CLI beats file beats defaults). */
export function configFromArgs(values: Record<string, unknown>, positionals: string[]): TickwireConfig {
  const file = typeof values.config === 'string' ? readConfigFile(values.config) : {};
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    throw new TwError('TW_ERR_CONFIG', 'the config file must hold a JSON object');
  }
  const merged: Record<string, unknown> = { ...file };
  if (positionals.length > 0) merged.markets = positionals;
  if (typeof values.channels === 'string') {
    const list = values.channels.split(',').map((s) => s.trim()).filter(Boolean);
    for (const c of list) {
      if (!(CHANNELS as readonly string[]).includes(c)) {
        throw new TwError('TW_ERR_CONFIG', `unknown channel ${JSON.stringify(c)}; channels are ${CHANNELS.join(', ')}`);
      }
    }
    merged.channels = list;
  }
  if (typeof values.bars === 'string') {
    merged.bars = { ...((merged.bars as Record<string, unknown> | undefined) ?? {}), interval: values.bars };
  }
  if (Array.isArray(values.endpoint)) {
    const endpoints = { ...((merged.endpoints as Record<string, unknown> | undefined) ?? {}) };
    for (const v of values.endpoint as string[]) {
      const [ex, ep] = parseEndpointFlag(v);
      endpoints[ex] = ep;
    }
    merged.endpoints = endpoints;
  }
  const ints: Array<[string, string]> = [
    ['book-depth', 'bookDepth'],
    ['snapshot-depth', 'snapshotDepth'],
    ['first-snapshot-depth', 'firstSnapshotDepth'],
    ['symbols-per-connection', 'symbolsPerConnection'],
    ['reconcile-interval', 'reconcileIntervalMs'],
    ['no-data-timeout', 'noDataTimeoutMs'],
    ['book-pause', 'bookPauseMs'],
    ['book-check-interval', 'bookCheckIntervalMs'],
    ['stdout-buffer', 'stdoutBufferBytes'],
  ];
  for (const [flag, key] of ints) {
    const n = intFlag(flag, values[flag]);
    if (n !== undefined) merged[key] = n;
  }
  const oi = intFlag('open-interest-interval', values['open-interest-interval']);
  if (oi !== undefined) merged.openInterestIntervalMs = oi * 1000;
  const age = durationFlag('max-connection-age', values['max-connection-age']);
  if (age !== undefined) merged.maxConnectionAgeMs = age;
  if (typeof values['rest-weight-share'] === 'string') merged.restWeightShare = Number(values['rest-weight-share']);
  if (typeof values['log-level'] === 'string') merged.logLevel = values['log-level'];
  else if (values.quiet === true) merged.logLevel = 'warn';
  return parseConfig(merged);
}

export const SIM_DEFAULT_MARKETS = ['binance:BTC/USDT', 'binance:ETH/USDT'];

/** The NDJSON sink dropped events (a slow stdout reader): say so on stderr (the sink rate-limits the reports). */
export function warnDropped(logger: Logger, r: DropReport, configured: number): void {
  logger.warn(
    { dropped: r.dropped, streams: r.streams, bufferBytes: r.bufferBytes },
    `stdout reader too slow: ${r.dropped} event(s) dropped (each announced by a gap status on stdout)` +
      (r.bufferBytes > configured ? `; --stdout-buffer ${configured} raised to ${r.bufferBytes} (twice the largest line)` : ''),
  );
}

/** Config (with a started simulator's endpoints under `--sim`), logger and simulator for stream/record. */
export async function prepareStream(
  values: Record<string, unknown>,
  positionals: string[],
  usage: string,
): Promise<{ config: TickwireConfig; logger: Logger; sim: Simulator | undefined }> {
  const useSim = values.sim === true;
  let config = configFromArgs(values, positionals.length === 0 && useSim ? SIM_DEFAULT_MARKETS : positionals);
  if (config.markets.length === 0) {
    throw new TwError('TW_ERR_CONFIG', `no markets given: ${usage}`);
  }
  const logger = makeLogger(config.logLevel);
  let sim: Simulator | undefined;
  if (useSim) {
    const exchanges = [...new Set(config.markets.map((m) => splitMarketRef(m).exchange))];
    const seed = intFlag('sim-seed', values['sim-seed']) ?? 1;
    // the simulator lists exactly the symbols asked for (BTC/USD for Kraken and Coinbase, BTC/USDT elsewhere);
    // a native id (binance:BTCUSDT) adds the default symbols, which it can then name
    const symbols = simSymbolsFor(config.markets);
    sim = await startSim({ exchanges, seed, symbols });
    const endpoints: Record<string, unknown> = { ...config.endpoints };
    for (const ex of exchanges) {
      const ep = sim.endpoints[ex];
      if (ep && endpoints[ex] === undefined) endpoints[ex] = ep;
    }
    config = parseConfig({ ...config, endpoints });
    logger.info({ endpoints: sim.endpoints, seed }, 'simulator started');
  }
  return { config, logger, sim };
}

/** Output format flags of `stream` only. */
const OUTPUT_FLAGS = { pretty: { type: 'boolean' }, ndjson: { type: 'boolean' } } as const;

/** `--pretty`, `--ndjson`, else readable lines on a terminal and NDJSON otherwise; colours per NO_COLOR. */
export function outputFormat(values: Record<string, unknown>, tty: boolean, env: NodeJS.ProcessEnv): ((e: MarketEvent) => string) | undefined {
  if (values.pretty === true && values.ndjson === true) throw new TwError('TW_ERR_CONFIG', '--pretty and --ndjson exclude each other');
  const pretty = values.pretty === true || (values.ndjson !== true && tty);
  if (!pretty) return undefined;
  const opts = { paint: paintFor(tty, env) };
  return (e) => prettyEvent(e, opts);
}

export async function runStream(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...STREAM_FLAGS, ...OUTPUT_FLAGS });
  const format = outputFormat(values, process.stdout.isTTY === true, process.env);
  const nats = natsPublishFromFlags(values);
  const recordTo = typeof values.record === 'string' ? values.record : undefined;
  const rotation = recordOptionsFromArgs(values, recordTo !== undefined, '--record');
  const { config, logger, sim } = await prepareStream(values, positionals, 'tickwire stream binance:BTC/USDT … (or --sim)');
  const recorder = recordTo !== undefined ? openRecorder(config, recordTo, rotation, logger) : undefined;
  const summaryEveryMs = summaryEvery(values);
  return runHub(config, logger, { sim, nats, recorder, print: true, summaryEveryMs, ...(format ? { format } : {}) });
}

/** `--summary-every S` (default 10 s; 0 = none): the period of the one-line progress summary logged at info. */
export function summaryEvery(values: Record<string, unknown>): number {
  return (intFlag('summary-every', values['summary-every']) ?? 10) * 1000;
}

/** A recorder for the CLI (an unwritable file fails now, exit 2; later write errors are logged). */
export function openRecorder(
  config: TickwireConfig,
  file: string,
  rotation: { rotateSizeBytes?: number; rotateMinutes?: number },
  logger: Logger,
): Recorder {
  try {
    closeSync(openPrivate(file)); // fail now, not in the background after the stream started
  } catch (err) {
    throw new TwError('TW_ERR_CONFIG', `cannot write the recording ${file}: ${(err as Error).message}`);
  }
  const recorder = new Recorder(config, { file, ...rotation }, { logger });
  logger.info({ file, ...rotation }, 'recording');
  return recorder;
}

/** Run a hub with the config's markets, writing NDJSON to stdout until a signal or stdout closes. */
export function runHubToStdout(config: TickwireConfig, logger: Logger, sim?: Simulator, nats?: NatsPublishConfig): Promise<number> {
  return runHub(config, logger, { sim, nats, print: true });
}

/**
 * Run a hub with the config's markets until a signal (or stdout closes, when printing): NDJSON on stdout when
 * `print`, published to NATS when `nats`, everything received written to `recorder` when given. The recording
 * stops at the same event as stdout, and is flushed before the promise resolves. A second signal does not cut the
 * flush short (./shutdown.ts).
 */
export async function runHub(
  config: TickwireConfig,
  logger: Logger,
  opts: {
    sim?: Simulator | undefined;
    nats?: NatsPublishConfig | undefined;
    recorder?: Recorder | undefined;
    print: boolean;
    format?: (e: MarketEvent) => string;
    /** Period of the progress summary logged at info (0 = none; a final one is logged at the end either way). */
    summaryEveryMs?: number;
  },
): Promise<number> {
  const { sim, nats, recorder } = opts;
  const adapters = await adaptersFromEnv(process.env);
  // NDJSON lines copy a delta's levels from the frame's bytes (level-spans.ts): nothing between the hub and the sink
  // changes an event
  const levelSpans = opts.print && opts.format === undefined ? new LevelSpans() : undefined;
  const hub = new Hub(config, { ...(recorder ? recorder.deps : {}), logger, adapters, ...(levelSpans ? { levelSpans } : {}) });
  const natsPub = nats === undefined ? undefined : startNatsPublisher(hub.events$, nats, logger);
  return new Promise<number>((resolve) => {
    let done = false;
    const tally = new Tally();
    const tallySub = hub.events$.subscribe((e) => tally.observe(e));
    const startedAt = Date.now();
    let lastReport = startedAt;
    let lastParts = recorder?.stats().parts ?? 0;
    const report = (final: boolean): void => {
      const now = Date.now();
      const r = tally.report(final ? now - startedAt : now - lastReport, final);
      lastReport = now;
      const rec = recorder?.stats();
      const recLine = rec ? ` · recorded ${rec.frames} frames, ${humanBytes(rec.bytes)} in ${rec.parts} part(s)` : '';
      if (rec && rec.parts > lastParts) logger.info({ file: recorder!.files.at(-1), parts: rec.parts }, 'recording rotated');
      if (rec) lastParts = rec.parts;
      logger.info({ summary: r, ...(rec ? { recording: rec } : {}), final }, `${final ? 'total: ' : ''}${summaryLine(r)}${recLine}`);
    };
    const everyMs = opts.summaryEveryMs ?? 10_000;
    const summaryTimer = everyMs > 0 ? setInterval(() => report(false), everyMs) : undefined;
    summaryTimer?.unref();
    const stopMemoryProbe = startMemoryProbe(process.env); // debug only: TICKWIRE_DEBUG_MEMORY_MS (./memory-probe.ts)
    const finish = (code: number, why: string): void => {
      if (done) return;
      done = true;
      if (summaryTimer) clearInterval(summaryTimer);
      stopMemoryProbe?.();
      logger.info({ why }, 'stopping');
      hub.flushBars(); // the open trade bars reach stdout, NATS and the tally before they stop
      // NATS, stdout and the recording stop at the same event (stop() ends the NATS input synchronously), then
      // NATS and the recording flush
      const natsStopped = natsPub?.stop() ?? Promise.resolve();
      sub?.unsubscribe();
      tallySub.unsubscribe();
      const recorded = (recorder?.close() ?? Promise.resolve()).then(
        () => {
          report(true);
          if (recorder) logger.info({ files: recorder.files }, 'recording closed');
        },
        (err: unknown) => {
          logger.error({ err }, 'recording could not be flushed');
          if (code === 0) code = 1;
        },
      );
      void natsStopped
        .then(() => {
          hub.close();
          return Promise.all([recorded, sim?.close()]);
        })
        .finally(() => {
          logger.flush();
          resolve(code);
        });
    };
    const sub = opts.print
      ? writeNdjson(hub.events$, stdoutOutput(), {
          maxBufferedBytes: config.stdoutBufferBytes,
          onGap: (g) => {
            tally.dropped(g.dropped);
            recorder?.gap(g); // the replay emits the same gap status at the same point
            hub.emitGap(g);
          },
          onClosed: () => finish(0, 'stdout closed'),
          onDropped: (r) => warnDropped(logger, r, config.stdoutBufferBytes),
          ...(opts.format ? { format: opts.format } : {}),
          ...(levelSpans ? { levelSpans } : {}),
        })
      : undefined;
    // later signals are absorbed while the recording and NATS flush; bounded by SHUTDOWN_DEADLINE_MS
    onShutdownSignals(logger, (signal) => finish(0, signal));
    const adds = config.markets.map((ref) => {
      const { exchange, symbol } = splitMarketRef(ref);
      return hub.add(exchange as ExchangeId, symbol, config.channels);
    });
    const noneLeft = (): void => {
      process.stderr.write('tickwire: no valid subscription left (see the error statuses above)\n');
      finish(EXIT_USAGE, 'no valid subscription');
    };
    let added = false;
    void Promise.all(adds).then((ok) => {
      added = true;
      if (!ok.some(Boolean) && !done) noneLeft();
    });
    // the exchange may refuse a subscription for good later (unknown symbol): exit when none is left. Transient
    // refusals are retried by the runtime and keep their stream.
    hub.events$.subscribe((e) => {
      if (e.type === 'status' && e.scope === 'stream' && e.state === 'error' && added && !done && hub.streamCount() === 0) noneLeft();
    });
  });
}
