import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { createConnection, type Connection, type ConnectionOptions } from '../../src/connection/index.js';
import { backoffCap } from '../../src/util/backoff.js';
import { TwError } from '../../src/errors.js';
import { recordEvents } from '../helpers/events.js';
import { startWsServer, type TestWsServer } from '../helpers/ws-server.js';
import { seededRandom } from '../helpers/random.js';

const SUBS = ['{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}', '{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":2}'];

let server: TestWsServer | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  conn?.close();
  conn = undefined;
  await server?.close();
  server = undefined;
});

function connect(url: string, over: Partial<ConnectionOptions> = {}): Connection {
  conn = createConnection({
    id: 'test#1',
    url,
    keepalive: { staleAfterMs: 10_000 },
    controlMessagesPerSecond: 100,
    onOpen: () => SUBS,
    backoff: { initialMs: 10, maxMs: 40, factor: 2 },
    random: seededRandom(1),
    ...over,
  });
  return conn;
}

describe('connection lifecycle', () => {
  it('rejects a URL that is not ws:// or wss:// up front', () => {
    expect(() => connect('http://127.0.0.1:1')).toThrow(TwError);
    expect(() => connect('not a url')).toThrow(/invalid WebSocket URL/);
  });

  it('re-sends the subscriptions on every open, exactly once each, and never replays sends made while closed', async () => {
    server = await startWsServer({
      // the server drops each connection once it has both subscriptions, three times
      onConnection: (c, s) => {
        c.ws.on('message', () => {
          if (s.messages(c.index).length === SUBS.length && c.index < 2) c.ws.close(1001, 'going away');
        });
      },
    });
    const srv = server;
    const c = connect(srv.url);
    const log = recordEvents(c.events$);
    let droppedWhileClosed = 0;
    const sub = c.events$.subscribe((e) => {
      // between sockets: this must be dropped, not queued for the next open
      if (e.kind === 'status' && e.state === 'closed') {
        expect(c.isOpen).toBe(false);
        c.send('{"method":"SEND_WHILE_CLOSED"}');
        droppedWhileClosed++;
      }
    });
    await srv.until(() => srv.connections.length === 3 && srv.messages(2).length === SUBS.length, 5000, 'third connection subscribed');
    c.send('{"method":"LIST_SUBSCRIPTIONS","id":3}');
    await srv.until(() => srv.messages(2).length === 3, 2000, 'send while open');
    sub.unsubscribe();
    expect(droppedWhileClosed).toBe(2);
    for (const i of [0, 1]) expect(srv.messages(i)).toEqual(SUBS);
    expect(srv.messages(2)).toEqual([...SUBS, '{"method":"LIST_SUBSCRIPTIONS","id":3}']);
    const sent = log.events.flatMap((e) => (e.kind === 'sent' ? [e.data] : []));
    expect(sent).toEqual([...SUBS, ...SUBS, ...SUBS, '{"method":"LIST_SUBSCRIPTIONS","id":3}']);
  });

  it('emits connecting, open, closed (code + reason), reconnecting (attempt, delay), connecting, open for a server close 1001', async () => {
    server = await startWsServer({
      onConnection: (c) => {
        if (c.index === 0) c.ws.on('message', () => c.ws.close(1001, 'maintenance'));
      },
    });
    const srv = server;
    const c = connect(srv.url, { onOpen: () => ['hello'] });
    const log = recordEvents(c.events$);
    await log.until(() => log.statuses().filter((s) => s.state === 'open').length === 2, 5000, 'second open');
    const seq = log.statuses().map((s) => ({ state: s.state, code: s.code, details: s.details }));
    expect(seq.map((s) => s.state)).toEqual(['connecting', 'open', 'closed', 'reconnecting', 'connecting', 'open']);
    expect(seq[2]).toMatchObject({ code: 'TW_ERR_SOCKET_CLOSED', details: { closeCode: 1001, closeReason: 'maintenance', wasOpen: true } });
    expect(seq[3]).toMatchObject({ code: 'TW_ERR_SOCKET_CLOSED', details: { attempt: 1 } });
    const delay = seq[3]?.details?.delayMs;
    expect(typeof delay).toBe('number');
    expect(delay as number).toBeLessThanOrEqual(10);
    expect(seq.every((s, i) => i === 2 || i === 3 || s.code === 'TW_OK')).toBe(true);
    // localTime is integer epoch microseconds and never goes backwards
    const times = log.events.map((e) => e.localTime);
    expect(times.every((t, i) => Number.isInteger(t) && t > 1.6e15 && (i === 0 || t >= (times[i - 1] as number)))).toBe(true);
    expect(c.isOpen).toBe(true);
  });

  it('delivers text frames as strings, in order', async () => {
    const frames = Array.from({ length: 200 }, (_, i) => JSON.stringify({ e: 'trade', t: i, p: '1.00000000' }));
    server = await startWsServer({ onConnection: (c) => frames.forEach((f) => c.ws.send(f)) });
    const c = connect(server.url);
    const log = recordEvents(c.events$);
    await log.until(() => log.frames().length === frames.length, 5000, '200 frames');
    expect(log.frames()).toEqual(frames);
  });

  it('with onFrame: text frames (incl. multi-byte UTF-8 and fragmented) go to the callback in order, not to events$; binary frames are ignored; status still on events$', async () => {
    const frames = Array.from({ length: 200 }, (_, i) => JSON.stringify({ e: 'trade', t: i, p: '1.00000000', s: i % 7 === 0 ? 'Ünï€𝄞' : 'BTC' }));
    server = await startWsServer({
      onConnection: (c) => {
        frames.forEach((f, i) => {
          if (i === 50) c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
          if (i === 100) {
            // one text message in two fragments
            c.ws.send(f.slice(0, 10), { fin: false });
            c.ws.send(f.slice(10), { fin: true });
            return;
          }
          c.ws.send(f);
        });
      },
    });
    const got: Array<{ data: string; localTime: number }> = [];
    let allIn: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (allIn = resolve));
    const c = connect(server.url, {
      onFrame: (data, localTime) => {
        if (got.push({ data, localTime }) === frames.length) allIn();
      },
    });
    const log = recordEvents(c.events$);
    await all;
    expect(got.map((g) => g.data)).toEqual(frames);
    for (let i = 1; i < got.length; i++) expect(got[i]!.localTime).toBeGreaterThanOrEqual(got[i - 1]!.localTime);
    expect(log.frames()).toEqual([]);
    expect(log.events.some((e) => e.kind === 'status' && e.state === 'open')).toBe(true);
  });

  it('backoff grows per failed attempt, is capped, and resets after the first good message', async () => {
    // connections 0..4 are closed at once (no message); connection 5 sends one frame, then is closed
    server = await startWsServer({
      onConnection: (c) => {
        if (c.index === 5) c.ws.send('{"ok":true}', () => c.ws.close(1000, 'bye'));
        else if (c.index < 5) c.ws.close(1011, 'nope');
      },
    });
    const srv = server;
    const c = connect(srv.url, { backoff: { initialMs: 5, maxMs: 20, factor: 2 }, random: () => 0.999_999, onOpen: () => [] });
    const log = recordEvents(c.events$);
    await log.until(() => log.statuses().filter((s) => s.state === 'open').length === 7, 5000, '7 opens');
    const rec = log.statuses().filter((s) => s.state === 'reconnecting').map((s) => s.details);
    // 1..5 grow to the cap (5, 10, 20, 20, 20); the good message on connection 5 resets: attempt 1 again
    expect(rec.map((d) => d?.attempt)).toEqual([1, 2, 3, 4, 5, 1]);
    expect(rec.map((d) => d?.delayMs)).toEqual([5, 10, 20, 20, 20, 5]);
    for (const d of rec) expect(d?.delayMs as number).toBeLessThanOrEqual(backoffCap(d?.attempt as number, { initialMs: 5, maxMs: 20, factor: 2 }));
  });

  it('a forced reconnect goes through backoff; immediate skips the wait; both re-subscribe', async () => {
    server = await startWsServer({ onConnection: (c) => c.ws.send('{"hello":1}') });
    const srv = server;
    const c = connect(srv.url, { backoff: { initialMs: 30, maxMs: 30, factor: 1 }, random: () => 0.999_999 });
    const log = recordEvents(c.events$);
    await log.until(() => log.frames().length === 1, 5000, 'first frame');
    c.reconnect('TW_ERR_STALE', 'test: forced');
    await log.until(() => log.frames().length === 2, 5000, 'second connection frame');
    c.reconnect('TW_ERR_SERVER_SHUTDOWN', 'serverShutdown', { immediate: true });
    await log.until(() => log.frames().length === 3, 5000, 'third connection frame');
    // a second immediate request right after the first is not honoured: no tight loop
    c.reconnect('TW_ERR_SERVER_SHUTDOWN', 'serverShutdown again', { immediate: true });
    await log.until(() => log.frames().length === 4, 5000, 'fourth connection frame');
    const st = log.statuses();
    const closed = st.filter((s) => s.state === 'closed');
    expect(closed.map((s) => [s.code, s.details?.closeCode])).toEqual([
      ['TW_ERR_STALE', 4000],
      ['TW_ERR_SERVER_SHUTDOWN', 4000],
      ['TW_ERR_SERVER_SHUTDOWN', 4000],
    ]);
    const rec = st.filter((s) => s.state === 'reconnecting');
    expect(rec.map((s) => [s.code, s.details?.attempt, s.details?.delayMs])).toEqual([
      ['TW_ERR_STALE', 1, 30],
      ['TW_ERR_SERVER_SHUTDOWN', 1, 0],
      ['TW_ERR_SERVER_SHUTDOWN', 1, 30],
    ]);
    await srv.until(() => srv.messages(3).length === SUBS.length, 2000, 'fourth subscriptions');
    expect([0, 1, 2, 3].map((i) => srv.messages(i))).toEqual([SUBS, SUBS, SUBS, SUBS]);
  });

  it('a server that accepts TCP but never completes the handshake trips the connect timeout and is retried', async () => {
    const sockets: Socket[] = [];
    const tcp = createServer((sock) => {
      sockets.push(sock); // read the upgrade request, never answer it
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    const addr = tcp.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    try {
      const c = connect(`ws://127.0.0.1:${addr.port}`, { connectTimeoutMs: 60 });
      const log = recordEvents(c.events$);
      await log.until(() => log.statuses().filter((st) => st.state === 'connecting').length === 3, 5000, 'third attempt');
      const closed = log.statuses().filter((st) => st.state === 'closed');
      expect(closed.length).toBeGreaterThanOrEqual(2);
      for (const st of closed) expect(st).toMatchObject({ code: 'TW_ERR_SOCKET_ERROR', details: { wasOpen: false } });
      expect(closed[0]?.reason).toMatch(/not open within 60 ms/);
      expect(log.statuses().filter((st) => st.state === 'reconnecting').map((st) => st.details?.attempt)).toEqual([1, 2]);
      expect(sockets.length).toBeGreaterThanOrEqual(2); // the third may not be accepted yet
      c.close();
    } finally {
      sockets.forEach((x) => x.destroy());
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  });

  it('close() completes events$, emits a final closed status and leaves no timer or socket behind', async () => {
    server = await startWsServer({ onConnection: (c) => c.ws.send('x') });
    const srv = server;
    const c = connect(srv.url, {
      keepalive: { staleAfterMs: 5000, pongTimeoutMs: 5000, ping: { kind: 'frame', intervalMs: 1000 } },
    });
    const log = recordEvents(c.events$);
    await log.until(() => log.frames().length === 1, 5000, 'frame');
    c.close();
    expect(log.completed).toBe(true);
    expect(log.statuses().at(-1)).toMatchObject({ state: 'closed', code: 'TW_OK' });
    expect(c.isOpen).toBe(false);
    c.send('after close'); // no throw, dropped
    await srv.until(() => srv.connections.every((x) => x.closed), 3000, 'server saw the close');
    await server.close();
    server = undefined;
    await settleHandles();
    expect(handleCounts()).toEqual({});
  });

  it('close() while waiting in backoff resolves the wait and leaves no timer', async () => {
    server = await startWsServer({ onConnection: (c) => c.ws.close(1011, 'no') });
    const srv = server;
    const c = connect(srv.url, { backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1 }, random: () => 0.999_999 });
    const log = recordEvents(c.events$);
    await log.until(() => log.statuses().some((s) => s.state === 'reconnecting'), 5000, 'reconnecting');
    c.close();
    expect(log.completed).toBe(true);
    await server.close();
    server = undefined;
    await settleHandles();
    expect(handleCounts()).toEqual({});
    expect(srv.connections.length).toBe(1);
  });
});

/** Active timers and sockets of this process, by type. */
function handleCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'Timeout' || r === 'TCPSocketWrap' || r === 'TCPServerWrap') out[r] = (out[r] ?? 0) + 1;
  }
  return out;
}

/**
 * Sockets finish closing a few loop turns after their close events (and an earlier test's server may still be
 * draining): wait, bounded, for no timer or socket to be left in this worker.
 */
async function settleHandles(): Promise<void> {
  for (let i = 0; i < 300 && Object.keys(handleCounts()).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
}
