import { afterEach, describe, expect, it } from 'vitest';
import { createConnection, type Connection, type ConnectionOptions } from '../../src/connection/index.js';
import { recordEvents } from '../helpers/events.js';
import { startWsServer, type TestWsServer } from '../helpers/ws-server.js';

let server: TestWsServer | undefined;
let conn: Connection | undefined;
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  timers.forEach((t) => clearInterval(t));
  timers.length = 0;
  conn?.close();
  conn = undefined;
  await server?.close();
  server = undefined;
});

function connect(url: string, over: Partial<ConnectionOptions>): Connection {
  conn = createConnection({
    id: 'test#ka',
    url,
    keepalive: { staleAfterMs: 10_000 },
    controlMessagesPerSecond: 100,
    onOpen: () => [],
    backoff: { initialMs: 10, maxMs: 20, factor: 2 },
    ...over,
  });
  return conn;
}

describe('keepalive and stale watchdog', () => {
  it('answers a server ping with a pong carrying the same payload, and server pings keep the connection fresh', async () => {
    const payloads = ['1770123456789', 'abc', ''];
    let sent = 0;
    server = await startWsServer({
      onConnection: (c) => {
        // Binance-style: the server only pings (no data); the client must neither go stale nor stay silent
        const t = setInterval(() => {
          if (c.ws.readyState === c.ws.OPEN) c.ws.ping(payloads[sent++ % payloads.length]);
        }, 25);
        timers.push(t);
      },
    });
    const srv = server;
    const c = connect(srv.url, { keepalive: { staleAfterMs: 120 } });
    const log = recordEvents(c.events$);
    await srv.until(() => srv.arrivals.filter((a) => a.kind === 'pong').length >= 15, 5000, '15 pongs');
    const pongs = srv.arrivals.filter((a) => a.kind === 'pong').map((a) => a.data);
    expect(pongs.slice(0, 6)).toEqual([...payloads, ...payloads]);
    // 15 pings at 25 ms = 375 ms, three times staleAfterMs: pings alone counted as frames
    expect(srv.connections.length).toBe(1);
    expect(log.statuses().map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('reconnects with TW_ERR_STALE when the server goes fully quiet (no data, no pongs)', async () => {
    server = await startWsServer({ autoPong: false });
    const srv = server;
    const c = connect(srv.url, { keepalive: { staleAfterMs: 80 } });
    const log = recordEvents(c.events$);
    await srv.until(() => srv.connections.length === 2, 5000, 'reconnect after stale');
    await log.until(() => log.statuses().filter((s) => s.state === 'open').length === 2, 2000, 'second open');
    const closed = log.statuses().find((s) => s.state === 'closed');
    expect(closed).toMatchObject({ code: 'TW_ERR_STALE', details: { closeCode: 4000 } });
    expect(closed?.reason).toMatch(/no frame for \d+ ms/);
    expect(log.statuses().find((s) => s.state === 'reconnecting')).toMatchObject({ code: 'TW_ERR_STALE', details: { attempt: 1 } });
    await srv.until(() => srv.connections[0]?.closed === true, 2000, 'old socket dropped');
  });

  it('frame keepalive: pings at the interval; an unanswered ping trips the pong timeout even while data flows', async () => {
    server = await startWsServer({
      autoPong: false,
      onConnection: (c) => {
        const t = setInterval(() => c.ws.readyState === c.ws.OPEN && c.ws.send('{"data":1}'), 10);
        timers.push(t);
      },
    });
    const srv = server;
    const c = connect(srv.url, { keepalive: { staleAfterMs: 1000, pongTimeoutMs: 60, ping: { kind: 'frame', intervalMs: 30 } } });
    const log = recordEvents(c.events$);
    await log.until(() => log.statuses().some((s) => s.state === 'closed'), 5000, 'pong timeout');
    const closed = log.statuses().find((s) => s.state === 'closed');
    expect(closed).toMatchObject({ code: 'TW_ERR_STALE' });
    expect(closed?.reason).toMatch(/no pong within 60 ms/);
    expect(srv.arrivals.filter((a) => a.kind === 'ping' && a.conn === 0).length).toBeGreaterThanOrEqual(1);
  });

  it('frame keepalive: answered pings keep the connection up', async () => {
    server = await startWsServer({ autoPong: true });
    const srv = server;
    const c = connect(srv.url, { keepalive: { staleAfterMs: 150, pongTimeoutMs: 120, ping: { kind: 'frame', intervalMs: 20 } } });
    const log = recordEvents(c.events$);
    // 20 pings at 20 ms = 400 ms: over two stale periods kept alive by pongs only
    await srv.until(() => srv.arrivals.filter((a) => a.kind === 'ping').length >= 20, 5000, '20 client pings');
    expect(srv.connections.length).toBe(1);
    expect(log.statuses().map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('text keepalive: sends the message after intervalMs of silence, notePong() clears the deadline, no pong → stale', async () => {
    let answer = true;
    server = await startWsServer({
      onConnection: (c) => {
        c.ws.on('message', (d) => {
          if (d.toString() === 'ping' && answer) c.ws.send('pong');
        });
      },
    });
    const srv = server;
    const c = connect(srv.url, {
      keepalive: { staleAfterMs: 1000, pongTimeoutMs: 80, ping: { kind: 'text', intervalMs: 30, message: () => 'ping' } },
    });
    const log = recordEvents(c.events$);
    const sub = c.events$.subscribe((e) => {
      if (e.kind === 'frame' && e.data === 'pong') c.notePong(); // what the pipeline does after parsing
    });
    await srv.until(() => srv.messages(0).length >= 6, 5000, '6 text pings');
    expect(srv.messages(0).every((m) => m === 'ping')).toBe(true);
    expect(log.statuses().some((s) => s.state === 'closed')).toBe(false);
    const sentPings = log.events.filter((e) => e.kind === 'sent' && e.data === 'ping').length;
    expect(sentPings).toBeGreaterThanOrEqual(6);
    answer = false;
    await log.until(() => log.statuses().some((s) => s.state === 'closed'), 5000, 'pong timeout');
    expect(log.statuses().find((s) => s.state === 'closed')?.reason).toMatch(/no pong within 80 ms/);
    sub.unsubscribe();
  });

  it('text keepalive is not sent while frames keep arriving', async () => {
    let frames = 0;
    server = await startWsServer({
      onConnection: (c) => {
        const t = setInterval(() => {
          if (c.ws.readyState === c.ws.OPEN) c.ws.send(`{"n":${frames++}}`);
        }, 10);
        timers.push(t);
      },
    });
    const c = connect(server.url, { keepalive: { staleAfterMs: 1000, ping: { kind: 'text', intervalMs: 60, message: () => 'ping' } } });
    const log = recordEvents(c.events$);
    await log.until(() => log.frames().length >= 30, 5000, '30 frames');
    expect(server.messages().length).toBe(0);
  });

  it("numbers text pings per connection (1, 2, … on each), so adapters keep no ping state of their own", async () => {
    server = await startWsServer({});
    const srv = server;
    const keepalive = { staleAfterMs: 10_000, ping: { kind: 'text' as const, intervalMs: 20, message: (n: number) => `ping ${n}` } };
    recordEvents(connect(srv.url, { keepalive }).events$); // subscribing starts the connection
    const second = createConnection({ id: 'test#ka2', url: srv.url, keepalive, controlMessagesPerSecond: 100, onOpen: () => [] });
    recordEvents(second.events$);
    try {
      await srv.until(() => srv.messages(0).length >= 3 && srv.messages(1).length >= 3, 5000, '3 pings on each');
      expect(srv.messages(0).slice(0, 3)).toEqual(['ping 1', 'ping 2', 'ping 3']);
      expect(srv.messages(1).slice(0, 3)).toEqual(['ping 1', 'ping 2', 'ping 3']);
    } finally {
      second.close();
    }
  });
});
