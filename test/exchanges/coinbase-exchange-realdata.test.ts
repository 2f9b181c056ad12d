/**
 * Real data: the cryptofeed Coinbase capture (2021, 10 products, level2 + ticker + matches) rebuilt through
 * tickwire's Coinbase Exchange parsing and the real BookSync/OrderBook, driven by the adapter's BookRules. Independent
 * check: every live ticker's best bid/ask must equal the rebuilt book's top on arrival.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import type { UnstampedEvent } from '../../src/schema/events.js';
import { removalSpellings } from '../helpers/removals.js';
import { coinbaseExchangeAdapter, parseExchangeFeed } from '../../src/exchanges/coinbase/exchange.js';
import { ExL2Update, ExSnapshot, ExTicker, ExMatch } from '../../src/exchanges/coinbase/wire.js';
import type { WireMessage } from '../../src/exchanges/types.js';

const FIXTURE = new URL('../../fixtures/coinbase/COINBASE.ws.28.0', import.meta.url);
const PRODUCTS = new URL('../../fixtures/coinbase/COINBASE.0', import.meta.url);

/** Received frames only (`<ts>: <json>`); sent frames and the connect line start with the URL. */
function receivedFrames(): string[] {
  const out: string[] = [];
  for (const line of readFileSync(FIXTURE, 'utf8').split('\n')) {
    const m = /^\d+(?:\.\d+)?: (.*)$/.exec(line);
    if (m !== null) out.push(m[1]!);
  }
  return out;
}

/** Replayed tickers whose bid/ask differ from the book at arrival (measured; see the test). */
const STALE_REPLAYS = ['BAND-GBP', 'SKL-GBP', 'YFI-BTC', 'CRV-EUR', 'BAND-BTC', 'DASH-BTC', 'SKL-USD'];

interface TickerCheck {
  market: string;
  bid: string;
  ask: string;
  bookBid: string | undefined;
  bookAsk: string | undefined;
  /** The ticker's trade is the product's `last_match` — the trade before we subscribed (the replay). */
  replay: boolean;
  /** This is the product's first ticker. */
  first: boolean;
}

function rebuild(): {
  checks: TickerCheck[];
  books: Map<string, BookSync>;
  counts: Record<string, number>;
  events: UnstampedEvent[];
} {
  const books = new Map<string, BookSync>();
  const events: UnstampedEvent[] = [];
  // the last_match replays follow their ticker on the wire: read them all first (raw, not through the adapter)
  const lastMatch = new Map<string, number>();
  for (const frame of receivedFrames()) {
    const raw = JSON.parse(frame) as { type: string; product_id?: string; trade_id?: number };
    if (raw.type === 'last_match') lastMatch.set(raw.product_id!, raw.trade_id!);
  }
  const checks: TickerCheck[] = [];
  const counts: Record<string, number> = {};
  const ctx = { bookDepth: 1000, instruments: new Map() };
  const syncOf = (market: string): BookSync => {
    let sync = books.get(market);
    if (sync === undefined) {
      sync = new BookSync({
        exchange: 'coinbase-exchange',
        symbol: market.replace('-', '/'),
        market,
        rules: coinbaseExchangeAdapter.book,
        subscribedDepth: 1000,
        requestSnapshot: () => {
          throw new Error('in-band feed asked for a REST snapshot');
        },
        requestResubscribe: () => {
          throw new Error(`${market} asked for a resubscribe`);
        },
        emit: (e) => events.push(e),
      });
      sync.start(0);
      books.set(market, sync);
    }
    return sync;
  };
  let localTime = 0;
  for (const frame of receivedFrames()) {
    localTime++;
    const raw = JSON.parse(frame) as { trade_id?: number };
    for (const msg of coinbaseExchangeAdapter.parse(frame, ctx)) {
      counts[msg.kind] = (counts[msg.kind] ?? 0) + 1;
      if (msg.kind === 'book') {
        const sync = syncOf(msg.market);
        if (msg.action === 'delta') expect(sync.state, `delta before snapshot for ${msg.market}`).toBe('live');
        sync.onMessage(msg, localTime);
      } else if (msg.kind === 'ticker') {
        const book = books.get(msg.market)?.book;
        checks.push({
          market: msg.market,
          bid: msg.fields.bidPrice!,
          ask: msg.fields.askPrice!,
          bookBid: book?.bestBid()?.[0],
          bookAsk: book?.bestAsk()?.[0],
          replay: raw.trade_id !== undefined && raw.trade_id === lastMatch.get(msg.market),
          first: !checks.some((c) => c.market === msg.market),
        });
      }
    }
  }
  return { checks, books, counts, events };
}

describe('Coinbase Exchange real capture (cryptofeed COINBASE.ws.28.0)', () => {
  const { checks, books, counts, events } = rebuild();

  it('BookSync: every book goes live on its snapshot and stays live (no resync), integrity "none"', () => {
    for (const sync of books.values()) expect(sync.state).toBe('live');
    const statuses = events.filter((e) => e.type === 'status');
    expect(statuses.filter((e) => e.state !== 'syncing' && e.state !== 'live')).toEqual([]);
    const snapshots = events.filter((e) => e.type === 'book_snapshot');
    const deltas = events.filter((e) => e.type === 'book_delta');
    expect(snapshots).toHaveLength(10);
    expect(deltas).toHaveLength(9719);
    expect(new Set([...snapshots, ...deltas].map((e) => e.integrity))).toEqual(new Set(['none']));
    for (const sync of books.values()) expect(sync.book.isCrossed()).toBe(false);
  });

  it('every removal in the deltas is spelled exactly "0" (the wire says "0.00000000", "0.0", "0.000000"…)', () => {
    const spellings = removalSpellings(events);
    expect([...spellings.keys()]).toEqual(['0']);
    expect(spellings.get('0')).toBeGreaterThan(1000);
  });

  it('parses every frame: 10 snapshots, 9,719 updates, 107 tickers, 97 live trades, nothing unknown', () => {
    expect(counts['book']).toBe(10 + 9719);
    expect(counts['ticker']).toBe(107);
    expect(counts['trade']).toBe(97); // the 10 last_match replays are not emitted
    expect(counts['ack']).toBe(3);
    expect(counts['unknown']).toBeUndefined();
    expect(counts['error']).toBeUndefined();
    expect(books.size).toBe(10);
  });

  it('every live ticker equals the rebuilt book top on arrival (97/97)', () => {
    const live = checks.filter((c) => !c.replay);
    expect(live).toHaveLength(97);
    for (const c of live) {
      expect({ market: c.market, bid: c.bookBid, ask: c.bookAsk }).toEqual({ market: c.market, bid: c.bid, ask: c.ask });
    }
  });

  it('the 10 tickers sent on subscribe replay the last trade (= last_match), are each product\'s first, and are stale', () => {
    const replay = checks.filter((c) => c.replay);
    expect(replay).toHaveLength(10);
    expect(new Set(replay.map((c) => c.market)).size).toBe(10);
    expect(replay.every((c) => c.first)).toBe(true);
    expect(checks.filter((c) => c.first)).toEqual(replay);
    // their bid/ask are those at the time of the replayed trade (seconds to minutes old), not the book's now:
    // 7 of 10 differ from the snapshot's top; in the other 3 the top simply had not moved since that trade
    const stale = replay.filter((c) => c.bid !== c.bookBid || c.ask !== c.bookAsk).map((c) => c.market);
    expect(stale.sort()).toEqual([...STALE_REPLAYS].sort());
  });

  it('the ticker replayed on subscribe carries the time of the last trade (the last_match), not "now"', () => {
    const frames = receivedFrames().map((f) => JSON.parse(f) as { type: string; product_id?: string; time?: string });
    const firstTicker = new Map<string, string>();
    const lastMatch = new Map<string, string>();
    for (const f of frames) {
      if (f.type === 'ticker' && f.product_id && !firstTicker.has(f.product_id)) firstTicker.set(f.product_id, f.time!);
      if (f.type === 'last_match' && f.product_id) lastMatch.set(f.product_id, f.time!);
    }
    expect(lastMatch.size).toBe(10);
    for (const [p, t] of lastMatch) expect(firstTicker.get(p)).toBe(t);
  });

  it('hand-written hot-path parse agrees with the zod wire schemas on every frame', () => {
    for (const frame of receivedFrames()) {
      const raw = JSON.parse(frame) as { type: string };
      const [msg] = parseExchangeFeed(frame) as [WireMessage | undefined];
      if (raw.type === 'l2update') {
        const z = ExL2Update.parse(raw);
        expect(msg).toMatchObject({
          kind: 'book',
          action: 'delta',
          market: z.product_id,
          bids: z.changes.filter((c) => c[0] === 'buy').map((c) => [c[1], c[2]]),
          asks: z.changes.filter((c) => c[0] === 'sell').map((c) => [c[1], c[2]]),
        });
      } else if (raw.type === 'snapshot') {
        const z = ExSnapshot.parse(raw);
        expect(msg).toMatchObject({ kind: 'book', action: 'snapshot', market: z.product_id });
        expect(msg?.kind === 'book' && msg.bids.length).toBe(z.bids.length);
      } else if (raw.type === 'ticker') {
        expect(ExTicker.safeParse(raw).success).toBe(true);
      } else if (raw.type === 'match' || raw.type === 'last_match') {
        expect(ExMatch.safeParse(raw).success).toBe(true);
      }
    }
  });

  it('trades: side is the taker side (the wire side is the maker side); exchangeTime in µs', () => {
    const frame = receivedFrames().find((f) => f.includes('"type":"match"'))!;
    const raw = JSON.parse(frame) as { side: string; trade_id: number; time: string };
    const [t] = parseExchangeFeed(frame);
    expect(t).toMatchObject({ kind: 'trade', tradeId: String(raw.trade_id), side: raw.side === 'buy' ? 'sell' : 'buy' });
    const frac = /\.(\d{6})Z$/.exec(raw.time)![1]!;
    expect(t?.kind === 'trade' && t.exchangeTime! % 1_000_000).toBe(parseInt(frac, 10));
  });

  it('instruments from the same capture (REST /products) validate the 10 products', () => {
    // line 1: `<url> -> <ts>: <body>` (line 2 is cryptofeed's own configuration)
    const body = readFileSync(PRODUCTS, 'utf8').split('\n')[0]!.replace(/^\S+ -> [\d.]+: /, '');
    const list = coinbaseExchangeAdapter.parseInstruments(body);
    const byMarket = new Map(list.map((i) => [i.market, i]));
    for (const m of ['SKL-USD', 'BAND-GBP', 'YFI-BTC', 'DASH-BTC', 'NU-GBP', 'CRV-EUR']) {
      expect(byMarket.get(m)?.trading).toBe(true);
    }
    expect(byMarket.get('BAND-GBP')).toMatchObject({ symbol: 'BAND/GBP', base: 'BAND', quote: 'GBP', pricePrecision: 4 });
  });
});
