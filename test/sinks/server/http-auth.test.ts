/** Token checks before the upgrade, the loopback default, /health and /metrics, dead clients, max clients. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer } from '../../../src/sinks/server/index.js';
import { Hub } from '../../../src/pipeline/hub.js';
import { parseConfig } from '../../../src/config.js';
import { TwError } from '../../../src/errors.js';
import { startServerHarness, type ServerHarness } from './server-harness.js';

const BTC = 'binance:BTC/USDT@book';
const TOKEN = 'correct-horse-battery';
let h: ServerHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The HTTP status a WebSocket upgrade is answered with (101 when accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('auth and limits', () => {
  it('with a token: missing or wrong → 401 before the upgrade; bearer header or ?token= → accepted', async () => {
    h = await startServerHarness({ server: { token: TOKEN } });
    const url = h.server.url;
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, { authorization: 'Bearer wrong-token-123' })).toBe(401);
    expect(await upgradeStatus(`${url}/?token=wrong-token-123`)).toBe(401);
    expect(await upgradeStatus(url, { authorization: `Bearer ${TOKEN}` })).toBe(101);
    expect(await upgradeStatus(`${url}/?token=${TOKEN}`)).toBe(101);
    expect((await fetch(`http://127.0.0.1:${h.server.port}/health`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${h.server.port}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(h.server.metrics.get('tickwire_server_rejected_total', { status: '401' })).toBe(3);
  });

  it('binds 127.0.0.1 by default and refuses any other address without a token', async () => {
    const hub = new Hub(parseConfig({}));
    try {
      await expect(startServer({ hub, port: 0, host: '0.0.0.0' })).rejects.toThrow(TwError);
      await expect(startServer({ hub, port: 0, host: '0.0.0.0' })).rejects.toThrow(/without a token/);
      const s = await startServer({ hub, port: 0 });
      expect(s.host).toBe('127.0.0.1');
      await s.close();
    } finally {
      hub.close();
    }
  });

  it('max clients: the next upgrade is answered 503', async () => {
    h = await startServerHarness({ server: { limits: { maxClients: 2 } } });
    await h.client();
    await h.client();
    expect(await upgradeStatus(h.server.url)).toBe(503);
  });

  it('a client that stops answering pings is terminated', async () => {
    h = await startServerHarness({ server: { heartbeatMs: 400 } });
    const live = await h.client();
    const dead = await h.client({ ws: { autoPong: false } });
    await dead.command({ op: 'subscribe', streams: [BTC] });
    const closed = await dead.closed;
    expect(closed.code).toBe(1006);
    expect(h.server.metrics.get('tickwire_server_disconnects_total', { reason: 'dead' })).toBe(1);
    expect(await live.command({ op: 'ping' })).toMatchObject({ type: 'ack' });
    expect(h.server.clients().size).toBe(1);
  });
});

describe('/health and /metrics', () => {
  it('answer JSON health and Prometheus text', async () => {
    h = await startServerHarness();
    const c = await h.client();
    await c.command({ op: 'subscribe', streams: [BTC, 'binance:BTC/USDT@trades'] });
    await c.waitFor((m) => m.type === 'book_delta', 'a delta', 8_000, 0);
    const base = `http://127.0.0.1:${h.server.port}`;
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      clients: 1,
      upstream: { connections: [{ exchange: 'binance', open: true }] },
      books: [{ exchange: 'binance', symbol: 'BTC/USDT', state: 'live', integrity: 'chained' }],
    });
    expect(typeof health.uptimeSeconds).toBe('number');
    expect(health.streams).toEqual(
      expect.arrayContaining([expect.objectContaining({ stream: BTC, clients: 1, upstream: 'active' })]),
    );
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE tickwire_frames_total counter$/m);
    expect(text).toMatch(/^tickwire_frames_total\{exchange="binance"\} \d+$/m);
    expect(text).toMatch(/^tickwire_events_total\{exchange="binance",type="book_delta"\} \d+$/m);
    expect(text).toMatch(/^tickwire_server_clients 1$/m);
    expect(text).toMatch(/^tickwire_server_client_queue_bytes\{client="1"\} \d+$/m);
    expect(text).toMatch(/^tickwire_rest_used_weight\{exchange="binance"\} \d+$/m);
    expect(text).toMatch(/^tickwire_upstream_connections\{exchange="binance",state="open"\} 1$/m);
    // every sample line is name{labels} value
    for (const l of text.trim().split('\n')) expect(l).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?\d+(\.\d+)?(e[-+]?\d+)?)$/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
