/**
 * `tickwire serve …`: the local WebSocket server (see docs/server.md). Markets given on the command line are
 * preloaded (kept subscribed); clients subscribe to anything else on demand. Logs go to stderr; stdout stays empty.
 */
import { TwError } from '../errors.js';
import { parseConfig, splitMarketRef } from '../config.js';
import { type ExchangeId } from '../schema/events.js';
import { Hub } from '../pipeline/hub.js';
import { adaptersFromEnv } from '../exchanges/registry.js';
import { startSim, PROTOCOLS, type Simulator } from '../sim/index.js';
import { startServer, type TickwireServer } from '../server/index.js';
import { parseStreamName } from '../server/protocol.js';
import { intFlag, makeLogger, parseFlags } from './args.js';
import { STREAM_FLAGS, configFromArgs } from './stream-command.js';

export const SERVE_FLAGS = {
  ...STREAM_FLAGS,
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  top: { type: 'string' },
  every: { type: 'string' },
  grace: { type: 'string' },
  'max-clients': { type: 'string' },
  'max-subscriptions': { type: 'string' },
  'max-frame-bytes': { type: 'string' },
  'high-water': { type: 'string' },
  'slow-timeout': { type: 'string' },
  heartbeat: { type: 'string' },
} as const;

/** Positionals: `exchange:BASE/QUOTE` (every configured channel) or `exchange:BASE/QUOTE@channel`. */
function preloadStreams(positionals: string[]): { markets: string[]; streams: string[] } {
  const markets: string[] = [];
  const streams: string[] = [];
  for (const p of positionals) {
    if (p.includes('@')) {
      const n = parseStreamName(p);
      if (typeof n === 'string') throw new TwError('TW_ERR_CONFIG', n);
      streams.push(n.key);
    } else markets.push(p);
  }
  return { markets, streams };
}

export async function runServe(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, SERVE_FLAGS);
  const { markets, streams } = preloadStreams(positionals);
  let config = configFromArgs(values, markets);
  const preload = [
    ...config.markets.flatMap((ref) => {
      const { exchange, symbol } = splitMarketRef(ref);
      return config.channels.map((c) => `${exchange}:${symbol}@${c}`);
    }),
    ...streams,
  ];
  const logger = makeLogger(config.logLevel);
  let sim: Simulator | undefined;
  if (values.sim === true) {
    const named = preload.map((s) => s.slice(0, s.indexOf(':')) as ExchangeId);
    const exchanges = named.length > 0 ? [...new Set(named)] : (Object.keys(PROTOCOLS) as ExchangeId[]);
    const seed = intFlag('sim-seed', values['sim-seed']) ?? 1;
    sim = await startSim({ exchanges, seed });
    const endpoints: Record<string, unknown> = { ...config.endpoints };
    for (const ex of exchanges) if (endpoints[ex] === undefined && sim.endpoints[ex]) endpoints[ex] = sim.endpoints[ex];
    config = parseConfig({ ...config, endpoints });
    logger.info({ endpoints: sim.endpoints, seed }, 'simulator started');
  }
  const hub = new Hub(config, { logger, adapters: adaptersFromEnv(process.env) });
  const int = (flag: string): number | undefined => intFlag(flag, values[flag]);
  const limits: Record<string, number> = {};
  for (const [flag, key] of [
    ['max-clients', 'maxClients'],
    ['max-subscriptions', 'maxSubscriptionsPerClient'],
    ['max-frame-bytes', 'maxFrameBytes'],
    ['high-water', 'highWaterBytes'],
    ['slow-timeout', 'slowClientTimeoutMs'],
  ] as const) {
    const n = int(flag);
    if (n !== undefined) limits[key] = n;
  }
  let server: TickwireServer;
  try {
    server = await startServer({
      hub,
      logger,
      preload,
      ...(int('port') !== undefined ? { port: int('port') } : {}),
      ...(typeof values.host === 'string' ? { host: values.host } : {}),
      ...(typeof values.token === 'string' ? { token: values.token } : {}),
      ...(int('top') !== undefined ? { top: int('top') } : {}),
      ...(int('every') !== undefined ? { every: int('every') } : {}),
      ...(int('grace') !== undefined ? { graceMs: int('grace') } : {}),
      ...(int('heartbeat') !== undefined ? { heartbeatMs: int('heartbeat') } : {}),
      limits,
    });
  } catch (err) {
    hub.close();
    await sim?.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new TwError('TW_ERR_CONFIG', `port ${String(int('port') ?? 8787)} is in use: pick another with --port`);
    }
    throw err;
  }
  process.stderr.write(`tickwire serve: listening on ${server.url} (GET /health, /metrics; protocol: docs/server.md)\n`);
  void server.preloaded.then((oks) => {
    const refused = preload.filter((_, i) => !oks[i]);
    if (refused.length > 0) logger.warn({ refused }, 'preloaded streams refused (unknown symbol)');
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  await server.close();
  hub.close();
  await sim?.close();
  logger.flush();
  return 0;
}
