import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Handovers, type HandoverHost } from '../../src/pipeline/handovers.js';
import type { ConnectionPool, ConnSlot } from '../../src/pipeline/connection-pool.js';
import type { MarketState } from '../../src/pipeline/market-state.js';
import { StreamActivity } from '../../src/pipeline/no-data.js';
import type { BookDriver } from '../../src/pipeline/book-driver.js';
import type { Channel, UnstampedEvent } from '../../src/schema/events.js';
import type { StatusFields } from '../../src/pipeline/runtime-types.js';

/** A book driver as far as the handover reads it: its state, update id, snapshot event; `stop` recorded. */
function fakeBook(state: string, updateId: number | undefined) {
  const b = { state, stopped: false, sync: { updateId, snapshotEvent: (t: number) => ({ type: 'book_snapshot', localTime: t, updateId: b.sync.updateId }) }, stop: () => (b.stopped = true) };
  return b;
}
type FakeBook = ReturnType<typeof fakeBook>;

function setup(opts: { books: boolean; noticeReconnects?: string[] } = { books: true }) {
  const vts = new VirtualTimeScheduler();
  const slots: ConnSlot[] = [];
  const dropped: string[] = [];
  const reconnected: string[] = [];
  const mkSlot = (): ConnSlot => {
    const id = `x#${slots.length + 1}`;
    const s = { conn: { id, isOpen: true, reconnect: () => reconnected.push(id) }, markets: new Set<string>(), ageTimer: undefined } as unknown as ConnSlot;
    slots.push(s);
    return s;
  };
  const live = new Set<ConnSlot>();
  const pool = {
    open: () => { const s = mkSlot(); live.add(s); return s; },
    drop: (s: ConnSlot) => { live.delete(s); dropped.push(s.conn.id); },
    has: (s: ConnSlot) => live.has(s),
    run: () => undefined,
  } as unknown as ConnectionPool;
  const from = pool.open();
  const markets = new Map<string, MarketState>();
  const shadows = new Map<string, FakeBook>();
  const holders = new Map<string, (e: UnstampedEvent) => void>();
  for (const m of ['BTC', 'ETH']) {
    const channels: Channel[] = opts.books ? ['book', 'trades'] : ['trades'];
    const st: MarketState = { symbol: m, market: m, channels: new Set(channels), slot: from, ticker: undefined, derivative: undefined, book: opts.books ? (fakeBook('live', 100) as unknown as BookDriver) : undefined, activity: new StreamActivity() };
    markets.set(m, st);
    from.markets.add(m);
  }
  const emitted: UnstampedEvent[] = [];
  const statuses: StatusFields[] = [];
  const host: HandoverHost = {
    markets,
    pool,
    scheduler: vts,
    logger: pino({ level: 'silent' }),
    config: { noDataTimeoutMs: 1000, maxConnectionAgeMs: 0 },
    closed: false,
    createBook: (st, _slotOf, emit) => {
      const b = fakeBook('syncing', undefined);
      shadows.set(st.market, b);
      holders.set(st.market, emit);
      return b as unknown as BookDriver;
    },
    emit: (e) => emitted.push(e),
    status: (e) => statuses.push(e),
    nowMicros: () => vts.now() * 1000,
  };
  return { h: new Handovers(host), host, from, markets, shadows, holders, emitted, statuses, dropped, reconnected, vts };
}

describe('Handovers (make-before-break orchestration)', () => {
  it('opens a replacement with a shadow book per market; refuses a connection that carries nothing or is being replaced', () => {
    const { h, from, shadows } = setup();
    expect(h.start(from, 'notice', 'shutdown')).toBe(true);
    expect(h.any).toBe(true);
    const ho = h.of(from)!;
    expect([...ho.to.markets]).toEqual(['BTC', 'ETH']);
    expect([...shadows.keys()]).toEqual(['BTC', 'ETH']);
    expect(h.start(from, 'notice', 'again')).toBe(false);
    expect(h.start(ho.to, 'age', 'busy')).toBe(false);
  });

  it("switches each market when its shadow is live and has reached the old book's id: the held deltas continue the chain", () => {
    const { h, from, markets, shadows, holders, emitted, statuses, dropped, vts } = setup();
    h.start(from, 'age', 'old');
    const to = h.of(from)!.to;
    const btc = markets.get('BTC')!;
    // the shadow's snapshot at 98, then deltas 99..101 (held, not emitted)
    holders.get('BTC')!({ type: 'book_snapshot', updateId: 98 } as UnstampedEvent);
    for (const id of [99, 100, 101]) holders.get('BTC')!({ type: 'book_delta', updateId: id } as UnstampedEvent);
    expect(emitted).toEqual([]);
    Object.assign(shadows.get('BTC')!, { state: 'live' }).sync.updateId = 101;
    h.trySwitch(btc, h.replacementFor(to, btc)!, 5);
    expect(emitted.map((e) => (e as { updateId: number }).updateId)).toEqual([101]); // after the old book's 100
    expect(btc.slot).toBe(to);
    expect(statuses).toEqual([]); // no status: one continuous chain
    expect(dropped).toEqual([]); // ETH still waits
    // the deadline moves ETH over (its shadow not live: `resyncing`, naming the replacement) and closes the old one
    vts.flush();
    expect(vts.now()).toBe(1000);
    expect(markets.get('ETH')!.slot).toBe(to);
    expect(statuses.map((s) => [s.state, s.code, s.market ?? s.connectionId])).toEqual([
      ['resyncing', 'TW_ERR_SERVER_SHUTDOWN', 'ETH'],
      ['closed', 'TW_OK', 'x#1'],
    ]);
    expect(statuses[1]!.details).toEqual({ replacedBy: 'x#2', cause: 'age' });
    expect(dropped).toEqual(['x#1']);
    expect(h.any).toBe(false);
  });

  it('markets without a book switch on the replacement’s first data; when all moved the old connection closes', () => {
    const { h, from, markets, dropped, statuses } = setup({ books: false });
    h.start(from, 'notice', 'bye');
    const to = h.of(from)!.to;
    for (const m of ['BTC', 'ETH']) {
      const st = markets.get(m)!;
      const mh = h.replacementFor(to, st)!;
      mh.seenData = true;
      h.trySwitch(st, mh, 1);
    }
    expect(dropped).toEqual(['x#1']);
    expect(statuses.at(-1)).toMatchObject({ state: 'closed', code: 'TW_ERR_SERVER_SHUTDOWN', connectionId: 'x#1' });
  });

  it('a replacement that fails before any market moved is dropped; after a notice the old connection reconnects early', () => {
    const { h, from, shadows, dropped, reconnected } = setup();
    h.start(from, 'notice', 'bye');
    const to = h.of(from)!.to;
    expect(h.onSlotDown(to, 1).handled).toBe(true);
    expect(dropped).toEqual(['x#2']);
    expect(reconnected).toEqual(['x#1']);
    expect([...shadows.values()].every((b) => b.stopped)).toBe(true);
    expect(h.any).toBe(false);
    // the old connection going down is not the handover's to handle
    expect(h.onSlotDown(from, 1)).toEqual({ handled: false, h: undefined });
  });

  it('a market removed meanwhile leaves the handover (its shadow stopped)', () => {
    const { h, from, shadows } = setup();
    h.start(from, 'age', 'old');
    h.forget('ETH');
    expect(shadows.get('ETH')!.stopped).toBe(true);
    expect([...h.of(from)!.markets.keys()]).toEqual(['BTC']);
  });
});
