/**
 * StreamRegistry logic on a fake hub and a manual clock: one upstream add per stream however many clients, the
 * removal only after the grace period and only when nobody came back, no removal overtaking a pending add, and a
 * refused add leaving nothing behind. Plus stream-name and command parsing.
 */
import { describe, expect, it } from 'vitest';
import { Subject, Subscription, type SchedulerLike } from 'rxjs';
import type { Hub } from '../../../src/pipeline/hub.js';
import type { MarketEvent } from '../../../src/schema/events.js';
import { StreamRegistry, type RoutedEvent } from '../../../src/sinks/server/registry.js';
import type { TurnClock } from '../../../src/util/turn-batch.js';
import { parseCommand, parseStreamName, type StreamName } from '../../../src/sinks/server/protocol.js';

class ManualScheduler {
  t = 0;
  private tasks: Array<{ at: number; run: () => void; sub: Subscription }> = [];
  now(): number {
    return this.t;
  }
  schedule(work: () => void, delay = 0): Subscription {
    const sub = new Subscription(() => {
      this.tasks = this.tasks.filter((x) => x.sub !== sub);
    });
    this.tasks.push({ at: this.t + delay, run: work, sub });
    return sub;
  }
  advance(ms: number): void {
    this.t += ms;
    for (const task of this.tasks.filter((x) => x.at <= this.t)) {
      this.tasks = this.tasks.filter((x) => x !== task);
      task.run();
    }
  }
}

function fakeHub(known = new Set(['BTC/USDT', 'ETH/USDT'])) {
  const events = new Subject<MarketEvent>();
  const calls: string[] = [];
  const pending: Array<() => void> = [];
  let deferred = false;
  const hub = {
    events$: events.asObservable(),
    add: (ex: string, sym: string, ch: string[]) => {
      calls.push(`add ${ex}:${sym}@${ch.join(',')}`);
      const ok = known.has(sym);
      if (!deferred) return Promise.resolve(ok);
      return new Promise<boolean>((resolve) => pending.push(() => resolve(ok)));
    },
    remove: (ex: string, sym: string, ch: string[]) => {
      calls.push(`remove ${ex}:${sym}@${ch.join(',')}`);
    },
  };
  return {
    hub: hub as unknown as Hub,
    events,
    calls,
    defer: () => (deferred = true),
    settle: async () => {
      for (const p of pending.splice(0)) p();
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

const name = (s: string): StreamName => parseStreamName(s) as StreamName;
const BTC = name('binance:BTC/USDT@book');

describe('StreamRegistry', () => {
  it('one add for many clients; remove only after the last leaves and the grace period passes', async () => {
    const f = fakeHub();
    const sch = new ManualScheduler();
    const r = new StreamRegistry(f.hub, sch as unknown as SchedulerLike, 1000);
    const a = r.acquire(BTC);
    const b = r.acquire(BTC);
    expect(await a.ok).toBe(true);
    expect(await b.ok).toBe(true);
    expect(f.calls).toEqual(['add binance:BTC/USDT@book']);
    a.release();
    a.release(); // idempotent
    sch.advance(5000);
    expect(f.calls).toHaveLength(1);
    b.release();
    sch.advance(999);
    expect(f.calls).toHaveLength(1);
    expect(r.streams()[0]).toMatchObject({ stream: BTC.key, upstream: 'grace' });
    sch.advance(1);
    expect(f.calls).toEqual(['add binance:BTC/USDT@book', 'remove binance:BTC/USDT@book']);
    expect(r.streams()).toEqual([]);
  });

  it('a client back within the grace period cancels the removal, without a second add', async () => {
    const f = fakeHub();
    const sch = new ManualScheduler();
    const r = new StreamRegistry(f.hub, sch as unknown as SchedulerLike, 1000);
    const a = r.acquire(BTC);
    await a.ok;
    a.release();
    sch.advance(500);
    const b = r.acquire(BTC);
    expect(await b.ok).toBe(true);
    sch.advance(10_000);
    expect(f.calls).toEqual(['add binance:BTC/USDT@book']);
    expect(r.streams()[0]).toMatchObject({ upstream: 'active' });
  });

  it('released while the add is pending: the removal waits for the add, then for the grace period', async () => {
    const f = fakeHub();
    f.defer();
    const sch = new ManualScheduler();
    const r = new StreamRegistry(f.hub, sch as unknown as SchedulerLike, 100);
    const a = r.acquire(BTC);
    a.release();
    sch.advance(1000);
    expect(f.calls).toEqual(['add binance:BTC/USDT@book']);
    await f.settle();
    expect(await a.ok).toBe(true);
    sch.advance(100);
    expect(f.calls).toEqual(['add binance:BTC/USDT@book', 'remove binance:BTC/USDT@book']);
  });

  it('a refused add leaves nothing (no remove) and the next acquire tries again', async () => {
    const f = fakeHub();
    const sch = new ManualScheduler();
    const r = new StreamRegistry(f.hub, sch as unknown as SchedulerLike, 100);
    const nope = name('binance:NOPE/USDT@trades');
    const a = r.acquire(nope);
    expect(await a.ok).toBe(false);
    a.release();
    sch.advance(1000);
    expect(r.streams()).toEqual([]);
    const b = r.acquire(nope);
    expect(await b.ok).toBe(false);
    expect(f.calls).toEqual(['add binance:NOPE/USDT@trades', 'add binance:NOPE/USDT@trades']);
  });

  it('routes each event to the sinks of its stream, serialized once, without seq/epoch', async () => {
    const f = fakeHub();
    const r = new StreamRegistry(f.hub, new ManualScheduler() as unknown as SchedulerLike, 100);
    const got: RoutedEvent[][] = [[], []];
    const trades = name('binance:BTC/USDT@trades');
    await r.acquire(BTC).ok;
    await r.acquire(trades).ok;
    r.attach({ name: BTC, onEvent: (e) => got[0]!.push(e) });
    r.attach({ name: trades, onEvent: (e) => got[1]!.push(e) });
    const base = { exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 1, seq: 9, epoch: 'x' } as const;
    f.events.next({ ...base, type: 'trade', tradeId: '1', price: '1.0', size: '2', side: 'buy' });
    f.events.next({ ...base, type: 'book_delta', integrity: 'chained', bids: [['1.0', '0']], asks: [] });
    f.events.next({ ...base, type: 'status', scope: 'connection', state: 'open', code: 'TW_OK', reason: 'up' });
    f.events.next({ ...base, symbol: 'ETH/USDT', type: 'trade', tradeId: '2', price: '1.0', size: '2', side: 'buy' });
    expect(got[0]!.map((e) => e.event.type)).toEqual(['book_delta', 'status']);
    expect(got[1]!.map((e) => e.event.type)).toEqual(['trade', 'status']);
    expect(got[0]![1]).toBe(got[1]![1]); // one RoutedEvent (one serialization) for every sink
    const body = got[0]![0]!.body();
    const parsed = JSON.parse('{' + body) as Record<string, unknown>;
    expect(parsed).toMatchObject({ type: 'book_delta', bids: [['1.0', '0']] });
    expect(parsed).not.toHaveProperty('seq');
    expect(parsed).not.toHaveProperty('epoch');
    expect(r.bookIntegrity('binance', 'BTC/USDT')).toBe('chained');
    expect(got[0]![0]!.bytes().toString()).toBe(body); // its UTF-8, encoded once
    expect(got[0]![0]!.bytes()).toBe(got[0]![0]!.bytes());
  });

  it("advances the server's TurnClock with every event's localTime, those no client subscribed to included", () => {
    const f = fakeHub();
    const seen: number[] = [];
    const turns = { advance: (at: number) => seen.push(at) } as unknown as TurnClock;
    const r = new StreamRegistry(f.hub, new ManualScheduler() as unknown as SchedulerLike, 100, turns);
    r.attach({ name: BTC, onEvent: () => undefined });
    const delta = (symbol: string, localTime: number): MarketEvent =>
      ({ exchange: 'binance', symbol, market: 'X', localTime, seq: 1, epoch: 'x', type: 'book_delta', integrity: 'chained', bids: [], asks: [] });
    f.events.next(delta('BTC/USDT', 10));
    f.events.next(delta('ETH/USDT', 20)); // nobody's stream
    f.events.next({ ...delta('SOL/USDT', 30), type: 'book_top', depth: 1 } as unknown as MarketEvent); // not routed at all
    expect(seen).toEqual([10, 20, 30]);
  });
});

describe('protocol parsing', () => {
  it('stream names: canonical key, upper-cased symbol, clear errors', () => {
    expect(parseStreamName('binance:btc/usdt@book')).toMatchObject({ key: 'binance:BTC/USDT@book', channel: 'book' });
    expect(parseStreamName('binance-futures:BTC/USDT@trades')).toMatchObject({ exchange: 'binance-futures' });
    expect(parseStreamName('nasdaq:AAPL/USD@book')).toMatch(/unknown exchange/);
    expect(parseStreamName('binance:BTC/USDT@depth')).toMatch(/unknown channel/);
    // native ids and settle forms are stream names too (the session resolves them to the unified stream)
    expect(parseStreamName('binance:btcusdt@book')).toMatchObject({ key: 'binance:BTCUSDT@book', symbol: 'BTCUSDT' });
    expect(parseStreamName('okx-swap:BTC/USDT:USDT@trades')).toMatchObject({ symbol: 'BTC/USDT:USDT', channel: 'trades' });
    expect(parseStreamName('binance:@book')).toMatch(/bad stream name/);
    expect(parseStreamName('binance::BTC@book')).toMatch(/bad stream name/);
    expect(parseStreamName('binance:BTC USDT@book')).toMatch(/bad stream name/);
    expect(parseStreamName('deribit:eth/usd:eth-241227-3000-c@book')).toMatchObject({ key: 'deribit:ETH/USD:ETH-241227-3000-C@book', symbol: 'ETH/USD:ETH-241227-3000-C' });
    expect(parseStreamName('deribit:BTC/USD:BTC:X@book')).toMatch(/bad stream name/);
  });

  it('commands: valid ones parse; bad ones say why and keep a readable id', () => {
    expect(parseCommand('{"op":"subscribe","id":"a","streams":["binance:BTC/USDT@book"],"top":5,"every":100}')).toMatchObject({
      ok: true,
      cmd: { op: 'subscribe', id: 'a', top: 5 },
    });
    expect(parseCommand('{"op":"list","id":1}')).toMatchObject({ ok: true });
    expect(parseCommand('{')).toMatchObject({ ok: false, id: null });
    expect(parseCommand('{"op":"subscribe","id":7,"streams":[]}')).toMatchObject({ ok: false, id: 7 });
    expect(parseCommand('{"op":"subscribe","id":{"x":1},"streams":["a"]}')).toMatchObject({ ok: false, id: null });
    // a command without an id is told that the id is missing, not "Invalid input"
    expect(parseCommand('{"op":"list"}')).toEqual({
      ok: false,
      id: null,
      message: 'invalid list command: id: missing: every command carries an "id" (a number or a string), echoed in its reply',
    });
    expect(parseCommand('{"op":"ping","id":1.5}')).toMatchObject({ ok: false, message: expect.stringContaining('id: expected an integer') });
    expect(parseCommand('{"op":"subscribe","id":1,"streams":["binance:BTC/USDT@book"],"every":1}')).toMatchObject({
      ok: false,
      message: expect.stringContaining('every'),
    });
  });
});
