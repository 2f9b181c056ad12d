/** `tickwire stream …`: NDJSON of normalized events on stdout until SIGINT/SIGTERM or stdout closes. */
import type { Logger } from 'pino';
import { TwError } from '../errors.js';
import {
  parseConfig,
  parseEndpointFlag,
  readConfigFile,
  splitMarketRef,
  type TickwireConfig,
} from '../config.js';
import { CHANNELS, type ExchangeId } from '../schema/events.js';
import { Hub } from '../pipeline/hub.js';
import { adaptersFromEnv } from '../exchanges/registry.js';
import { writeNdjson } from '../sinks/ndjson.js';
import { EXIT_USAGE, intFlag, makeLogger, parseFlags } from './args.js';
import { startSim, type Simulator } from '../sim/index.js';

export const STREAM_FLAGS = {
  config: { type: 'string' },
  channels: { type: 'string' },
  endpoint: { type: 'string', multiple: true },
  sim: { type: 'boolean' },
  'sim-seed': { type: 'string' },
  'book-depth': { type: 'string' },
  'snapshot-depth': { type: 'string' },
  'symbols-per-connection': { type: 'string' },
  'reconcile-interval': { type: 'string' },
  'no-data-timeout': { type: 'string' },
  'stdout-buffer': { type: 'string' },
  'log-level': { type: 'string' },
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
    ['symbols-per-connection', 'symbolsPerConnection'],
    ['reconcile-interval', 'reconcileIntervalMs'],
    ['no-data-timeout', 'noDataTimeoutMs'],
    ['stdout-buffer', 'stdoutBufferBytes'],
  ];
  for (const [flag, key] of ints) {
    const n = intFlag(flag, values[flag]);
    if (n !== undefined) merged[key] = n;
  }
  if (typeof values['log-level'] === 'string') merged.logLevel = values['log-level'];
  return parseConfig(merged);
}

export const SIM_DEFAULT_MARKETS = ['binance:BTC/USDT', 'binance:ETH/USDT'];

export async function runStream(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, STREAM_FLAGS);
  const useSim = values.sim === true;
  let config = configFromArgs(values, positionals.length === 0 && useSim ? SIM_DEFAULT_MARKETS : positionals);
  if (config.markets.length === 0) {
    throw new TwError('TW_ERR_CONFIG', 'no markets given: tickwire stream binance:BTC/USDT … (or --sim)');
  }
  const logger = makeLogger(config.logLevel);
  let sim: Simulator | undefined;
  if (useSim) {
    const exchanges = [...new Set(config.markets.map((m) => splitMarketRef(m).exchange))];
    const seed = intFlag('sim-seed', values['sim-seed']) ?? 1;
    sim = await startSim({ exchanges, seed });
    const endpoints: Record<string, unknown> = { ...config.endpoints };
    for (const ex of exchanges) {
      const ep = sim.endpoints[ex];
      if (ep && endpoints[ex] === undefined) endpoints[ex] = ep;
    }
    config = parseConfig({ ...config, endpoints });
    logger.info({ endpoints: sim.endpoints, seed }, 'simulator started');
  }
  return runHubToStdout(config, logger, sim);
}

/** Run a hub with the config's markets, writing NDJSON to stdout until a signal or stdout closes. */
export function runHubToStdout(config: TickwireConfig, logger: Logger, sim?: Simulator): Promise<number> {
  const hub = new Hub(config, { logger, adapters: adaptersFromEnv(process.env) });
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, why: string): void => {
      if (done) return;
      done = true;
      logger.info({ why }, 'stopping');
      sub.unsubscribe();
      hub.close();
      void (sim?.close() ?? Promise.resolve()).finally(() => {
        logger.flush();
        resolve(code);
      });
    };
    const sub = writeNdjson(hub.events$, process.stdout, {
      maxBufferedBytes: config.stdoutBufferBytes,
      onGap: (g) => {
        hub.emitGap(g);
      },
      onClosed: () => finish(0, 'stdout closed'),
    });
    process.once('SIGINT', () => finish(0, 'SIGINT'));
    process.once('SIGTERM', () => finish(0, 'SIGTERM'));
    const adds = config.markets.map((ref) => {
      const { exchange, symbol } = splitMarketRef(ref);
      return hub.add(exchange as ExchangeId, symbol, config.channels);
    });
    void Promise.all(adds).then((ok) => {
      if (!ok.some(Boolean) && !done) {
        process.stderr.write('tickwire: no valid subscription left (see the error statuses above)\n');
        finish(EXIT_USAGE, 'no valid subscription');
      }
    });
  });
}
