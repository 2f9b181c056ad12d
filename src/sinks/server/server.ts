/**
 * `startServer`: the local WebSocket server over a running hub. HTTP and WebSocket share one port; the upgrade
 * is checked (browser origin, token, client limit) before it is accepted. ws recipes: writes guarded by `readyState`, slow
 * clients found by `bufferedAmount`, dead ones pinged and `terminate()`d.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import { silentLogger } from '../../util/silent-logger.js';
import type { Hub } from '../../pipeline/hub.js';
import { Metrics } from '../../pipeline/metrics.js';
import { TwError } from '../../errors.js';
import { ServerSettings, isLoopback, type ServerSettingsInput } from './options.js';
import { StreamRegistry } from './registry.js';
import { ClientSession, CLOSE_SHUTDOWN, type SessionContext } from './session.js';
import { handleHttp, type RouteContext } from './http-routes.js';
import { selectProtocol, tokenChecker } from './auth.js';
import { originChecker, ownOrigins } from './origin.js';
import { dashboardAssets } from './dashboard-assets.js';
import { canonicalName, parseStreamName } from './protocol.js';
import { listenError } from './listen-error.js';
import { TurnClock } from '../../util/turn-batch.js';

export interface StartServerOptions extends ServerSettingsInput {
  hub: Hub;
  logger?: Logger;
  /** Streams kept subscribed for the server's life (`exchange:BASE/QUOTE@channel`). */
  preload?: string[];
  /** Timers (grace, top ladders, heartbeat, behind checks). Default: the hub's scheduler. */
  scheduler?: SchedulerLike;
  /** Where the hub's streams come from; `recording` (a replay) words refusals "not in the recording". */
  source?: 'exchange' | 'recording';
  /** Markets (`exchange:BASE/QUOTE`) the dashboard (`GET /`) offers for picking, besides those streaming. */
  offer?: string[];
  /** Directory of the built dashboard page (default: `dist/web` of this package). */
  webRoot?: string;
}

export interface TickwireServer {
  readonly port: number;
  readonly host: string;
  /** `ws://host:port` */
  readonly url: string;
  readonly registry: StreamRegistry;
  readonly metrics: Metrics;
  readonly settings: ServerSettings;
  clients(): ReadonlySet<ClientSession>;
  /** Resolves when every preloaded stream was added (false for the ones refused). */
  readonly preloaded: Promise<boolean[]>;
  close(): Promise<void>;
}

function parseSettings(o: StartServerOptions): ServerSettings {
  const { hub: _h, logger: _l, preload: _p, scheduler: _s, source: _src, offer: _o, webRoot: _w, ...rest } = o;
  return checkServerSettings(rest);
}

/** The settings `startServer` would use, checked (the host/token rule included) without starting anything. */
export function checkServerSettings(input: ServerSettingsInput): ServerSettings {
  const r = ServerSettings.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new TwError('TW_ERR_CONFIG', `invalid server settings: ${msg}`);
  }
  if (!isLoopback(r.data.host) && r.data.token === undefined) {
    throw new TwError('TW_ERR_CONFIG', `refusing to listen on ${r.data.host} without a token: pass --token (8+ characters)`);
  }
  return r.data;
}

function refuse(socket: Duplex, status: number, text: string, extra = ''): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${text.length + 1}\r\n\r\n${text}\n`,
  );
}

export async function startServer(opts: StartServerOptions): Promise<TickwireServer> {
  const settings = parseSettings(opts);
  const { hub } = opts;
  const logger = opts.logger ?? silentLogger();
  const scheduler = opts.scheduler ?? hub.scheduler;
  const preload = (opts.preload ?? []).map((s) => {
    const n = parseStreamName(s);
    if (typeof n === 'string') throw new TwError('TW_ERR_CONFIG', n);
    return n;
  });
  const metrics = new Metrics();
  const turns = new TurnClock();
  const registry = new StreamRegistry(hub, scheduler, settings.graceMs, turns);
  const sessions = new Set<ClientSession>();
  const behind = new Set<ClientSession>();
  const authorized = tokenChecker(settings.token);
  const limits = settings.limits;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes ?? 64 * limits.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (offered) => selectProtocol(offered),
  });
  // the port is known once listening (port 0 = any free one)
  let originAllowed: (origin: string | undefined) => boolean = () => false;
  let nextId = 1;
  let upgrading = 0;

  const sessionCtx: SessionContext = {
    hub,
    registry,
    settings,
    metrics,
    scheduler,
    logger,
    turns,
    source: opts.source ?? 'exchange',
    onBehind: (s) => behind.add(s),
    onClosed: (s) => {
      sessions.delete(s);
      behind.delete(s);
    },
  };
  const routeCtx: RouteContext = {
    hub,
    registry,
    metrics,
    sessions,
    startedAtMs: Date.now(),
    authorized,
    assets: dashboardAssets(opts.webRoot),
    offered: opts.offer ?? [],
  };

  const http: Server = createServer((req, res) => handleHttp(routeCtx, req, res));
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (!originAllowed(origin)) {
      metrics.inc('tickwire_server_rejected_total', { status: '403' });
      logger.warn({ origin }, 'WebSocket upgrade from a browser origin that is not allowed: refused (see --allow-origin)');
      refuse(socket, 403, 'Forbidden: origin not allowed');
      return;
    }
    if (!authorized(req)) {
      metrics.inc('tickwire_server_rejected_total', { status: '401' });
      refuse(socket, 401, 'Unauthorized', 'WWW-Authenticate: Bearer\r\n');
      return;
    }
    if (sessions.size + upgrading >= limits.maxClients) {
      metrics.inc('tickwire_server_rejected_total', { status: '503' });
      refuse(socket, 503, 'Service Unavailable: too many clients');
      return;
    }
    upgrading++;
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      upgrading--;
      const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      const s = new ClientSession(nextId++, ws, socket, remote, sessionCtx);
      sessions.add(s);
      logger.info({ client: s.id, remote }, 'client connected');
    });
  });

  const timers: Subscription[] = [
    interval(settings.heartbeatMs, scheduler).subscribe(() => {
      for (const s of [...sessions]) {
        if (!s.alive) {
          logger.info({ client: s.id }, 'client did not answer a ping: terminated');
          s.terminate('dead');
          continue;
        }
        s.alive = false;
        if (s.ws.readyState === s.ws.OPEN) s.ws.ping();
      }
    }),
    interval(settings.checkIntervalMs, scheduler).subscribe(() => {
      const now = scheduler.now();
      for (const s of [...behind]) if (s.checkBehind(now) !== 'behind') behind.delete(s);
    }),
  ];

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(settings.port, settings.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    for (const t of timers) t.unsubscribe();
    registry.close();
    wss.close();
    throw listenError(err, settings.host, settings.port);
  }
  const addr = http.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : settings.port;
  const hostInUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  originAllowed = originChecker([...ownOrigins(settings.host, port), ...settings.allowOrigins]);

  const resolve = hub.resolve.bind(hub);
  const preloaded = Promise.all(preload.map(async (n) => registry.pin(await canonicalName(resolve, n))));

  let closing: Promise<void> | undefined;
  return {
    port,
    host: settings.host,
    url: `ws://${hostInUrl}:${port}`,
    registry,
    metrics,
    settings,
    clients: () => sessions,
    preloaded,
    close: () =>
      (closing ??= (async () => {
        for (const t of timers) t.unsubscribe();
        for (const s of [...sessions]) s.disconnect(CLOSE_SHUTDOWN, 'server shutting down', 'shutdown');
        registry.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        wss.close();
      })()),
  };
}
