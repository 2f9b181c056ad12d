import { afterEach, describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { Throttle } from '../../src/connection/throttle.js';
import { SENT_WINDOW_MS } from '../../src/util/rate-window.js';
import { createConnection, type Connection } from '../../src/connection/index.js';
import { recordEvents } from '../helpers/events.js';
import { startWsServer, type TestWsServer } from '../helpers/ws-server.js';

describe('Throttle (virtual time)', () => {
  it('writes at most N per window (a second plus a skew guard), in order, never dropping while open', () => {
    const vts = new VirtualTimeScheduler();
    const written: Array<[number, number]> = [];
    const t = new Throttle<number>(5, vts, (n) => written.push([vts.now(), n]));
    for (let i = 0; i < 12; i++) t.push(i);
    expect(written.length).toBe(5); // the first five go at once
    vts.flush();
    expect(written.map(([, n]) => n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const w = SENT_WINDOW_MS;
    expect(written.map(([at]) => at)).toEqual([0, 0, 0, 0, 0, w, w, w, w, w, 2 * w, 2 * w]);
  });

  it('counts writes made outside the queue (automatic pongs) against the budget', () => {
    const vts = new VirtualTimeScheduler();
    const written: number[] = [];
    const t = new Throttle<string>(5, vts, () => written.push(vts.now()));
    t.note();
    t.note();
    for (let i = 0; i < 4; i++) t.push('m');
    vts.flush();
    expect(written).toEqual([0, 0, 0, SENT_WINDOW_MS]);
  });

  it('a server counting arrivals per second sees at most N even when early writes arrive late', () => {
    // the server counts a message when it arrives; a write held up in transit (or in the server's busy event loop)
    // while later ones are not lands closer to them than it was sent. Every delay pattern of up to 240 ms:
    const vts = new VirtualTimeScheduler();
    const sent: number[] = [];
    const t = new Throttle<number>(8, vts, () => sent.push(vts.now()));
    for (let i = 0; i < 80; i++) t.push(i);
    vts.flush();
    expect(sent).toHaveLength(80);
    for (const delayOf of [(i: number) => (i % 16 < 8 ? 240 : 0), (i: number) => (i * 37) % 241]) {
      const arrivals = sent.map((at, i) => at + delayOf(i)).sort((a, b) => a - b);
      // a strict server: no 9 arrivals inside any 1000 ms
      for (let i = 8; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 8]!).toBeGreaterThanOrEqual(1000);
    }
  });

  it('clear() drops queued items and the pending timer', () => {
    const vts = new VirtualTimeScheduler();
    const written: number[] = [];
    const t = new Throttle<number>(2, vts, (n) => written.push(n));
    for (let i = 0; i < 5; i++) t.push(i);
    t.clear();
    vts.flush();
    expect(written).toEqual([0, 1]);
    expect(t.pending).toBe(0);
  });
});

describe('connection control-message throttle (real sockets)', () => {
  let server: TestWsServer | undefined;
  let conn: Connection | undefined;
  afterEach(async () => {
    conn?.close();
    await server?.close();
  });

  it('holds messages plus client pings to <= 5 per second at the server, losing none', async () => {
    server = await startWsServer();
    const srv = server;
    const subs = Array.from({ length: 8 }, (_, i) => `{"method":"SUBSCRIBE","params":["s${i}"],"id":${i}}`);
    conn = createConnection({
      id: 'test#throttle',
      url: srv.url,
      keepalive: { staleAfterMs: 10_000, ping: { kind: 'frame', intervalMs: 150 } },
      controlMessagesPerSecond: 5,
      onOpen: () => subs,
    });
    const log = recordEvents(conn.events$);
    await srv.until(() => srv.messages().length === subs.length, 5000, 'all subscriptions');
    const t0 = srv.arrivals[0]?.at ?? 0;
    // let pings interleave for a while after the last message, then check every window
    await srv.until(() => srv.arrivals.filter((a) => a.kind === 'ping').length >= 4, 5000, 'pings');
    expect(srv.messages()).toEqual(subs);
    const writes = srv.arrivals.filter((a) => a.kind === 'message' || a.kind === 'ping').map((a) => a.at);
    for (let i = 0; i + 5 < writes.length; i++) {
      // any 6 consecutive arrivals span a second: what a strict server counts
      expect((writes[i + 5] as number) - (writes[i] as number)).toBeGreaterThanOrEqual(1000);
    }
    // the first five messages went out at once: queued, not slowed down
    const firstFive = srv.arrivals.filter((a) => a.kind === 'message').slice(0, 5);
    expect((firstFive[4]?.at ?? Infinity) - t0).toBeLessThan(300);
    expect(log.events.filter((e) => e.kind === 'sent').length).toBe(subs.length);
  });
});
