/** `GET /health` (JSON) and `GET /metrics` (Prometheus text) on the server's port. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '../../pipeline/hub.js';
import type { Metrics } from '../../pipeline/metrics.js';
import type { StreamRegistry } from './registry.js';
import type { ClientSession } from './session.js';
import { renderPrometheus, type Sample } from './prometheus.js';
import type { DashboardAssets } from './dashboard-assets.js';

export interface RouteContext {
  hub: Hub;
  registry: StreamRegistry;
  metrics: Metrics;
  sessions: ReadonlySet<ClientSession>;
  startedAtMs: number;
  authorized(req: IncomingMessage): boolean;
  /** The dashboard's static files (`GET /`). */
  assets: DashboardAssets;
  /** Markets (`exchange:BASE/QUOTE`) the dashboard offers for picking, besides those already streaming. */
  offered: readonly string[];
}

/** `GET /streams`: the markets to pick from (offered ones, then those already streaming) and the active streams. */
export function streamList(ctx: RouteContext): { markets: string[]; streams: string[] } {
  const streams = ctx.registry.streams().map((s) => s.stream);
  const markets = new Set(ctx.offered);
  for (const s of streams) markets.add(s.slice(0, s.lastIndexOf('@')));
  return { markets: [...markets], streams };
}

export function health(ctx: RouteContext): Record<string, unknown> {
  const books = ctx.hub.books().map((b) => ({
    exchange: b.exchange,
    symbol: b.symbol,
    state: b.state,
    updateId: b.updateId ?? null,
    integrity: ctx.registry.bookIntegrity(b.exchange, b.symbol) ?? null,
  }));
  const conns = ctx.hub.connections();
  return {
    status: books.every((b) => b.state === 'live') && conns.every((c) => c.open) ? 'ok' : 'degraded',
    uptimeSeconds: Math.round((Date.now() - ctx.startedAtMs) / 1000),
    epoch: ctx.hub.epoch,
    clients: ctx.sessions.size,
    upstream: { connections: conns, restUsedWeight: ctx.hub.restUsedWeight() },
    streams: ctx.registry.streams(),
    books,
  };
}

export function metricsText(ctx: RouteContext): string {
  const g: Sample[] = [
    { name: 'tickwire_uptime_seconds', labels: {}, value: Math.round((Date.now() - ctx.startedAtMs) / 1000) },
    { name: 'tickwire_server_clients', labels: {}, value: ctx.sessions.size },
    { name: 'tickwire_server_streams', labels: {}, value: ctx.registry.streams().length },
  ];
  let subs = 0;
  for (const s of ctx.sessions) {
    subs += s.streams.size;
    const client = String(s.id);
    g.push({ name: 'tickwire_server_client_queue_bytes', labels: { client }, value: s.queuedBytes() });
    g.push({ name: 'tickwire_server_client_messages_total', labels: { client }, value: s.sent });
  }
  g.push({ name: 'tickwire_server_subscriptions', labels: {}, value: subs });
  for (const [exchange, w] of Object.entries(ctx.hub.restUsedWeight())) {
    g.push({ name: 'tickwire_rest_used_weight', labels: { exchange }, value: w ?? 0 });
  }
  const conns = new Map<string, number>();
  for (const c of ctx.hub.connections()) {
    const k = `${c.exchange}\u0000${c.open ? 'open' : 'down'}`;
    conns.set(k, (conns.get(k) ?? 0) + 1);
  }
  for (const [k, n] of conns) {
    const [exchange, state] = k.split('\u0000') as [string, string];
    g.push({ name: 'tickwire_upstream_connections', labels: { exchange, state }, value: n });
  }
  return renderPrometheus([ctx.hub.metrics, ctx.metrics], g);
}

export function handleHttp(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if ((req.method === 'GET' || req.method === 'HEAD') && ctx.assets.serve(path, req, res)) return;
  if (!ctx.authorized(req)) {
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  if (path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health(ctx)) + '\n');
    return;
  }
  if (path === '/streams') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(streamList(ctx)) + '\n');
    return;
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText(ctx));
    return;
  }
  res
    .writeHead(404, { 'content-type': 'text/plain' })
    .end('tickwire serve: open / in a browser for the dashboard, or connect a WebSocket to / (see docs/server.md); GET /health, /metrics, /streams\n');
}
