/**
 * `tickwire serve …`: the local WebSocket server (see docs/server.md). Markets given on the command line are
 * preloaded (kept subscribed); clients subscribe to anything else on demand. Logs go to stderr; stdout stays empty.
 */
import { TwError } from '../errors.js';
import { parseConfig, splitMarketRef } from '../config.js';
import { type ExchangeId } from '../schema/events.js';
import { Hub, type HubDeps } from '../pipeline/hub.js';
import { adaptersFromEnv } from '../exchanges/registry.js';
import { startSim, PROTOCOLS, type Simulator } from '../sim/index.js';
import { DEFAULT_SPECS, simSymbolsFor } from '../sim/symbols.js';
import { startServer, type ServerSettingsInput, type TickwireServer } from '../sinks/server/index.js';
import { checkServerSettings } from '../sinks/server/server.js';
import { probeListen } from '../sinks/server/listen-error.js';
import type { Logger } from 'pino';
import { parseStreamName } from '../sinks/server/protocol.js';
import { intFlag, makeLogger, parseFlags } from './args.js';
import { STREAM_FLAGS, configFromArgs } from './stream-command.js';
import { natsPublishFromFlags, startNatsPublisher } from './nats-flags.js';
import { openReplay, type ReplayOptions } from '../record/replay.js';
import { parseSpeed } from './replay-command.js';
import { asyncScheduler } from 'rxjs';
import { onShutdownSignals } from './shutdown.js';

const { record: _record, 'rotate-size': _rotateSize, 'rotate-minutes': _rotateMinutes, 'summary-every': _summary, ...LIVE_FLAGS } = STREAM_FLAGS;

export const SERVE_FLAGS = {
  ...LIVE_FLAGS,
  replay: { type: 'string' },
  speed: { type: 'string' },
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
  'max-buffered': { type: 'string' },
  'max-commands': { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
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

/** `--allow-origin` values: repeatable, each a comma list of `scheme://host[:port]` origins. */
function allowOrigins(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const o = v.trim();
    if (o === '') continue;
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new TwError('TW_ERR_CONFIG', `--allow-origin expects an origin like http://localhost:3000, got ${JSON.stringify(o)}`);
    }
    if (u.origin === 'null' || u.origin !== o.replace(/\/$/, '').toLowerCase()) {
      throw new TwError('TW_ERR_CONFIG', `--allow-origin expects an origin (scheme://host[:port], no path), got ${JSON.stringify(o)}`);
    }
    out.push(u.origin);
  }
  return out;
}

/** serve --replay defaults to the recorded pace (clients watch it happen); --speed max replays at once. */
function replayOptions(values: Record<string, unknown>, adapters: HubDeps['adapters']): ReplayOptions {
  const logLevel = typeof values['log-level'] === 'string' ? values['log-level'] : 'info';
  return {
    speed: values.speed === undefined ? 1 : parseSpeed(values.speed),
    logger: makeLogger(logLevel),
    adapters,
  };
}

/** The server settings given by flags (checked by the server; see checkServerSettings). */
function serverSettingsFromFlags(values: Record<string, unknown>): ServerSettingsInput {
  const int = (flag: string): number | undefined => intFlag(flag, values[flag]);
  const limits: Record<string, number> = {};
  for (const [flag, key] of [
    ['max-clients', 'maxClients'],
    ['max-subscriptions', 'maxSubscriptionsPerClient'],
    ['max-frame-bytes', 'maxFrameBytes'],
    ['high-water', 'highWaterBytes'],
    ['max-buffered', 'maxBufferedBytes'],
    ['max-commands', 'maxCommandsPerSecond'],
    ['slow-timeout', 'slowClientTimeoutMs'],
  ] as const) {
    const n = int(flag);
    if (n !== undefined) limits[key] = n;
  }
  return {
    ...(int('port') !== undefined ? { port: int('port') } : {}),
    ...(typeof values.host === 'string' ? { host: values.host } : {}),
    ...(typeof values.token === 'string' ? { token: values.token } : {}),
    ...(Array.isArray(values['allow-origin']) ? { allowOrigins: allowOrigins(values['allow-origin'] as string[]) } : {}),
    ...(int('top') !== undefined ? { top: int('top') } : {}),
    ...(int('every') !== undefined ? { every: int('every') } : {}),
    ...(int('grace') !== undefined ? { graceMs: int('grace') } : {}),
    ...(int('heartbeat') !== undefined ? { heartbeatMs: int('heartbeat') } : {}),
    limits,
  };
}

/**
 * Startup and end notices (where to connect, a replay's end) are logged at `info` even under `--log-level warn` or
 * `error`: a script that asked for quiet logs still learns the port; `silent` silences them too.
 */
function noticeLogger(logger: Logger): Logger {
  return logger.level === 'silent' ? logger : logger.child({}, { level: 'info' });
}

export async function runServe(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, SERVE_FLAGS);
  const replayFile = typeof values.replay === 'string' ? values.replay : undefined;
  if (replayFile === undefined && values.speed !== undefined) throw new TwError('TW_ERR_CONFIG', '--speed needs --replay FILE');
  if (replayFile !== undefined && (positionals.length > 0 || values.sim === true)) {
    throw new TwError('TW_ERR_CONFIG', '--replay serves the recorded markets: give no markets and no --sim');
  }
  // Refuse a bad --host/--port/--token before anything starts (a recording opened, a simulator listening…).
  const serverInput = serverSettingsFromFlags(values);
  const settings = checkServerSettings(serverInput);
  await probeListen(settings.host, settings.port);
  const adapters = await adaptersFromEnv(process.env); // credentials: fail before anything starts
  // Under --replay the recording's own config (markets, channels, endpoints…) drives the hub.
  const replaying = replayFile !== undefined ? await openReplay(replayFile, replayOptions(values, adapters)) : undefined;
  const { markets, streams } = preloadStreams(positionals);
  let config = replaying
    ? parseConfig({ ...replaying.header.config, ...(typeof values['log-level'] === 'string' ? { logLevel: values['log-level'] } : {}) })
    : configFromArgs(values, markets);
  const preload = [
    ...config.markets.flatMap((ref) => {
      const { exchange, symbol } = splitMarketRef(ref);
      return config.channels.map((c) => `${exchange}:${symbol}@${c}`);
    }),
    ...streams,
  ];
  const logger = makeLogger(config.logLevel);
  const notice = noticeLogger(logger);
  let sim: Simulator | undefined;
  // the dashboard's picker: the preloaded markets, then (with --sim) the simulator's main pairs on each exchange
  const offer = [...new Set(preload.map((s) => s.slice(0, s.lastIndexOf('@'))))];
  if (values.sim === true) {
    const named = preload.map((s) => s.slice(0, s.indexOf(':')) as ExchangeId);
    const exchanges = named.length > 0 ? [...new Set(named)] : (Object.keys(PROTOCOLS) as ExchangeId[]);
    const seed = intFlag('sim-seed', values['sim-seed']) ?? 1;
    // clients may subscribe anything later: the default symbols, USD pairs (Kraken, Coinbase) and the preloaded ones
    const requested = simSymbolsFor(preload.map((s) => s.slice(0, s.lastIndexOf('@'))));
    const symbols = [...new Set([...DEFAULT_SPECS.map((d) => d.symbol), 'BTC/USD', 'ETH/USD', ...requested])];
    sim = await startSim({ exchanges, seed, symbols });
    for (const ex of exchanges) for (const d of DEFAULT_SPECS.slice(0, 2)) offer.push(`${ex}:${d.symbol}`);
    const endpoints: Record<string, unknown> = { ...config.endpoints };
    for (const ex of exchanges) if (endpoints[ex] === undefined && sim.endpoints[ex]) endpoints[ex] = sim.endpoints[ex];
    config = parseConfig({ ...config, endpoints });
    logger.info({ endpoints: sim.endpoints, seed }, 'simulator started');
  }
  const hub = replaying?.hub ?? new Hub(config, { logger, adapters });
  const nats = natsPublishFromFlags(values);
  const natsPub = nats === undefined ? undefined : startNatsPublisher(hub.events$, nats, logger);
  let server: TickwireServer;
  try {
    server = await startServer({
      hub,
      logger,
      preload,
      offer: [...new Set(offer)],
      ...(replaying ? { scheduler: asyncScheduler, source: 'recording' as const } : {}), // the server's own timers run in real time
      ...serverInput,
    });
  } catch (err) {
    await natsPub?.stop();
    hub.close();
    await sim?.close();
    throw err;
  }
  const page = `http://${server.url.slice('ws://'.length)}/`;
  notice.info(
    {
      url: server.url,
      dashboard: `${page}${server.settings.token !== undefined ? '#token=…' : ''}`,
      http: ['/health', '/metrics'],
      protocol: 'docs/server.md',
    },
    `listening on ${server.url} (dashboard: ${page})`,
  );
  let stopped = false;
  if (replaying) {
    // The recorded streams are preloaded (kept), so the replay is not disturbed by clients coming and going.
    void replaying.run(() => stopped).then(
      (r) => {
        const d = r.damage;
        if (d) notice.warn({ damage: d }, `recording damaged at ${d.file} line ${d.line}: ${d.reason}; replayed everything before it`);
        else if (!r.stopped) notice.info({ records: r.records }, `replay of ${replayFile} finished (${r.records} records); still serving`);
      },
      (err: unknown) => logger.error({ err }, 'replay failed'),
    );
  }
  void server.preloaded.then((oks) => {
    const refused = preload.filter((_, i) => !oks[i]);
    if (refused.length > 0) logger.warn({ refused }, 'preloaded streams refused (unknown symbol)');
  });
  await new Promise<void>((resolve) => onShutdownSignals(logger, () => resolve()));
  logger.info('stopping');
  stopped = true;
  await server.close();
  await natsPub?.stop();
  hub.close();
  await sim?.close();
  logger.flush();
  return 0;
}
