import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ConnectionPool, type ConnSlot, type PoolHost } from '../../src/pipeline/connection-pool.js';
import type { Connection, ConnectionEvent, ConnectionOptions } from '../../src/connection/index.js';
import { binanceAdapter } from '../../src/exchanges/binance/index.js';
import { okxAdapter } from '../../src/exchanges/okx/index.js';
import type { ExchangeAdapter } from '../../src/exchanges/types.js';
import { systemClock } from '../../src/util/clock.js';

/** A connection that records what it is asked (no socket). */
function fakeConnections() {
  const made: Array<{ opts: ConnectionOptions; sent: string[]; closed: boolean; events: Subject<ConnectionEvent>; conn: Connection }> = [];
  const create = (opts: ConnectionOptions): Connection => {
    const rec = { opts, sent: [] as string[], closed: false, events: new Subject<ConnectionEvent>(), conn: undefined as unknown as Connection };
    rec.conn = {
      id: opts.id,
      events$: rec.events,
      start() {},
      send: (m: string) => rec.sent.push(m),
      notePong() {},
      reconnect() {},
      close: () => (rec.closed = true),
      isOpen: true,
    };
    made.push(rec);
    return rec.conn;
  };
  return { made, create };
}

function pool(adapter: ExchangeAdapter, symbolsPerConnection: number, host: Partial<PoolHost> = {}) {
  const vts = new VirtualTimeScheduler();
  const f = fakeConnections();
  const p = new ConnectionPool(
    adapter,
    adapter.defaultEndpoints,
    { symbolsPerConnection, staleAfterMs: undefined, pingIntervalMs: undefined, backoff: { initialMs: 250, maxMs: 30_000, factor: 2 } } as never,
    { scheduler: vts, clock: systemClock, logger: pino({ level: 'silent' }), createConnection: f.create },
    { onFrame: () => undefined, onOpen: () => [], onEvent: () => undefined, ...host },
  );
  return { p, f, vts };
}

describe('ConnectionPool', () => {
  it('packs markets into connections up to symbolsPerConnection, within a quarter of the streams a connection may carry', () => {
    const { p, f } = pool(binanceAdapter, 3);
    const slots: ConnSlot[] = [];
    for (let i = 0; i < 7; i++) {
      const s = p.slotFor(() => false);
      s.markets.add(`M${i}`);
      slots.push(s);
    }
    expect(slots.map((s) => s.conn.id)).toEqual(['binance#1', 'binance#1', 'binance#1', 'binance#2', 'binance#2', 'binance#2', 'binance#3']);
    expect(f.made.map((m) => m.opts.url)).toEqual(Array(3).fill('wss://stream.binance.com:9443/stream'));
    // the exchange's limit wins over a larger setting: 512 streams per connection → 128 markets
    expect(pool(binanceAdapter, 1000).p.capacity).toBe(128);
  });

  it('skips a busy connection (being replaced) and reuses a freed one', () => {
    const { p } = pool(binanceAdapter, 2);
    const a = p.slotFor(() => false);
    a.markets.add('X');
    expect(p.slotFor((s) => s === a).conn.id).toBe('binance#2');
    expect(p.slotFor(() => false)).toBe(a);
  });

  it('hands frames and events of a slot to the host with the slot; sends the open subscriptions first', () => {
    const got: Array<[string, string]> = [];
    const { p, f } = pool(binanceAdapter, 2, {
      onFrame: (slot, data) => got.push([slot.conn.id, data]),
      onEvent: (slot, ev) => got.push([slot.conn.id, ev.kind]),
      onOpen: (slot) => [`sub ${slot.conn.id}`],
    });
    const s = p.open();
    p.run(s);
    p.run(s); // once
    f.made[0]!.opts.onFrame!('{"a":1}', 1, Buffer.from('{"a":1}'));
    f.made[0]!.events.next({ kind: 'status', state: 'open', code: 'TW_OK', reason: 'open', localTime: 1 });
    expect(f.made[0]!.opts.onOpen!()).toEqual(['sub binance#1']);
    expect(got).toEqual([['binance#1', '{"a":1}'], ['binance#1', 'status']]);
  });

  it("sends through the connection's hourly budget where the exchange caps subscribe messages (OKX 480/h)", () => {
    const { p, f, vts } = pool(okxAdapter, 2);
    const s = p.open();
    expect(s.subscribeBudget).toBeDefined();
    f.made[0]!.opts.onOpen!(); // the open's own messages: none here
    const msgs = Array.from({ length: 500 }, (_, i) => `m${i}`);
    p.send(s, msgs);
    expect(f.made[0]!.sent).toHaveLength(480);
    vts.flush();
    expect(f.made[0]!.sent).toHaveLength(500);
    const b = pool(binanceAdapter, 2);
    const t = b.p.open();
    expect(t.subscribeBudget).toBeUndefined();
    b.p.send(t, msgs);
    expect(b.f.made[0]!.sent).toHaveLength(500);
  });

  it('drop closes the connection and forgets the slot', () => {
    const { p, f } = pool(binanceAdapter, 2);
    const a = p.open();
    const b = p.open();
    p.drop(a);
    expect(f.made[0]!.closed).toBe(true);
    expect(p.has(a)).toBe(false);
    expect(p.list()).toEqual([b]);
    p.close();
    expect(f.made[1]!.closed).toBe(true);
    expect(p.list()).toEqual([]);
  });
});
