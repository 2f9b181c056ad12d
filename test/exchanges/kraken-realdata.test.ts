/**
 * Real Kraken book data through tickwire's own parse + BookSync/OrderBook + checksum code.
 * - v1 captures converted to v2 frames by scripts/kraken-v1-to-v2.mjs (numbers as raw tokens with all digits);
 * - the official v2 documentation snapshot (checksum 3310070434) and a real GST/USD v2 snapshot (1931231958).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { krakenAdapter, krakenBookRules } from '../../src/exchanges/kraken/index.js';
import { checksumOfLevels } from '../../src/exchanges/kraken/checksum.js';
import { BookFrame } from '../../src/exchanges/kraken/wire.js';
import { parseKeepingNumbers } from '../../src/exchanges/kraken/raw-json.js';
import type { Instrument } from '../../src/exchanges/types.js';
import { OrderBook } from '../../src/book/order-book.js';
import type { Level } from '../../src/schema/events.js';
import { removalSpellings } from '../helpers/removals.js';
import { context, convertedInstruments, fixtureLines, replay, trimNumberTokens } from '../helpers/kraken-replay.js';

const CONVERTED = [
  { file: 'v2-from-v1/pykraken-orderbook-v1.v2.jsonl', depth: 10, checksums: 979, bookFrames: 980, markets: ['BTC/USD'] },
  { file: 'v2-from-v1/pykraken-orderbook.v2.jsonl', depth: 10, checksums: 110, bookFrames: 111, markets: ['BTC/USD'] },
  { file: 'v2-from-v1/gct-book10.v2.jsonl', depth: 10, checksums: 16, bookFrames: 19, markets: ['DOGE/USD', 'LUNA/EUR', 'GST/EUR'] },
  {
    file: 'v2-from-v1/cryptofeed-book1000.v2.jsonl',
    depth: 1000,
    checksums: 4269,
    bookFrames: 4279,
    markets: ['ADA/BTC', 'BTC/CHF', 'ETH/CHF', 'GRT/ETH', 'KSM/BTC', 'OCEAN/BTC', 'OMG/USD', 'SC/EUR', 'WAVES/EUR', 'XMR/USD'],
  },
] as const;

function inst(market: string, pricePrecision: number, qtyPrecision: number): Map<string, Instrument> {
  const [base = '', quote = ''] = market.split('/');
  return new Map([[market, { market, symbol: market, base, quote, trading: true, pricePrecision, qtyPrecision }]]);
}

function docFrame(name: string): string {
  return readFileSync(new URL(`../../fixtures/kraken/v2-doc/${name}`, import.meta.url), 'utf8').trim();
}

describe('kraken v1 captures converted to v2', () => {
  for (const c of CONVERTED) {
    it(`${c.file}: all ${c.checksums} checksums verify (raw tokens, all digits)`, () => {
      const r = replay(fixtureLines(c.file), context(convertedInstruments(), c.depth));
      expect(r.failed).toBe(0);
      expect(r.verified).toBe(c.checksums);
      expect(r.resubscribes).toEqual([]);
      expect([...r.syncs.keys()].sort()).toEqual([...c.markets].sort());
      for (const s of r.syncs.values()) expect(s.state).toBe('live');
      expect(r.events.filter((e) => e.type === 'status' && e.state === 'resyncing')).toEqual([]);
      const snap = r.events.find((e) => e.type === 'book_snapshot');
      expect(snap).toMatchObject({ integrity: 'checksum', integrityDepth: 10 });
      // a removal is spelled exactly "0" in the events, not the wire's padded "0.00000000"
      const spellings = removalSpellings(r.events);
      expect([...spellings.keys()]).toEqual(['0']);
      expect(spellings.get('0')).toBeGreaterThan(0);
    });

    it(`${c.file}: trimmed tokens (as Kraken v2 sends them) are padded back to the pair precision and verify`, () => {
      const frames = fixtureLines(c.file).map(trimNumberTokens);
      expect(frames.join('\n')).not.toEqual(fixtureLines(c.file).join('\n')); // the trim did something
      const r = replay(frames, context(convertedInstruments(), c.depth));
      expect(r.failed).toBe(0);
      expect(r.verified).toBe(c.checksums);
    });
  }

  it('truncation to the subscribed depth is required: without it, or at the wrong depth, real checksums fail', () => {
    const book10 = fixtureLines('v2-from-v1/pykraken-orderbook-v1.v2.jsonl');
    const noTruncate = { ...krakenBookRules, truncateTo: undefined };
    const r1 = replay(book10, context(convertedInstruments(), 10), noTruncate);
    expect(r1.failed).toBeGreaterThan(0);
    const book1000 = fixtureLines('v2-from-v1/cryptofeed-book1000.v2.jsonl');
    const r2 = replay(book1000, context(convertedInstruments(), 10)); // a depth-1000 feed cut at 10
    expect(r2.failed).toBeGreaterThan(0);
    const ok = replay(book1000, context(convertedInstruments(), 1000));
    for (const s of ok.syncs.values()) expect(Math.max(s.book.bidCount, s.book.askCount)).toBeLessThanOrEqual(1000);
    expect(ok.failed).toBe(0);
  });

  it('the depth-10 book never exceeds 10 levels per side and events carry the padded strings', () => {
    const r = replay(fixtureLines('v2-from-v1/pykraken-orderbook-v1.v2.jsonl').map(trimNumberTokens), context(convertedInstruments()));
    const book = r.syncs.get('BTC/USD')!.book;
    expect(book.bidCount).toBe(10);
    expect(book.askCount).toBe(10);
    for (const e of r.events) {
      if (e.type !== 'book_delta' && e.type !== 'book_snapshot') continue;
      for (const [p, q] of [...e.bids, ...e.asks]) {
        expect(p).toMatch(/^\d+\.\d{5}$/);
        expect(q).toMatch(/^(\d+\.\d{8}|0)$/); // "0": a level cut by truncation (emitted by BookSync)
      }
    }
  });

  it('a consumer applying the emitted snapshot + deltas (no truncation of its own) holds exactly the verified book', () => {
    for (const c of CONVERTED) {
      const r = replay(fixtureLines(c.file), context(convertedInstruments(), c.depth));
      for (const [market, sync] of r.syncs) {
        const consumer = new OrderBook();
        for (const e of r.events) {
          if (e.type === 'book_snapshot' && e.market === market) consumer.applySnapshot(e.bids, e.asks);
          if (e.type === 'book_delta' && e.market === market) consumer.applyLevels(e.bids, e.asks);
        }
        expect(consumer.snapshot(), `${c.file} ${market}`).toEqual(sync.book.snapshot());
      }
    }
  });

  it('v1 edge cases: the same price twice in one update is applied in order; a short side still verifies', () => {
    const frames = fixtureLines('v2-from-v1/gct-book10.v2.jsonl');
    const dup = frames.find((f) => f.includes('"symbol":"GST/EUR"') && f.includes('"type":"update"'))!;
    expect(dup).toContain('{"price":0.01000,"qty":60583.48958963},{"price":0.01000,"qty":63083.48958963}');
    const r = replay(frames, context(convertedInstruments()));
    expect(r.syncs.get('GST/EUR')!.book.sizeAt('bid', '0.01000')).toBe('63083.48958963');
    expect(r.failed).toBe(0);
  });

  it('a deliberately altered frame is detected and resyncs only its own book', () => {
    const frames = fixtureLines('v2-from-v1/gct-book10.v2.jsonl');
    const i = frames.findIndex((f) => f.includes('"symbol":"DOGE/USD"') && f.includes('"qty":33476.70673703'));
    expect(i).toBeGreaterThan(0);
    const altered = [...frames];
    altered[i] = frames[i]!.replace('"qty":33476.70673703', '"qty":33476.70673704');
    const r = replay(altered, context(convertedInstruments()));
    expect(r.failed).toBe(1);
    expect(r.resubscribes).toEqual(['DOGE/USD']);
    const resync = r.events.filter((e) => e.type === 'status' && e.state === 'resyncing');
    expect(resync).toHaveLength(1);
    expect(resync[0]).toMatchObject({ market: 'DOGE/USD', code: 'TW_ERR_CHECKSUM' });
    expect(r.syncs.get('DOGE/USD')!.state).toBe('resyncing');
    expect(r.syncs.get('LUNA/EUR')!.state).toBe('live');
    expect(r.syncs.get('GST/EUR')!.state).toBe('live');
  });

  it('negative: the same real frames read as JS floats fail their checksums', () => {
    // JSON.parse → String(number) loses trailing zeros: "27120.00000" → "27120", "0.03170000" → "0.0317"
    const floaty = fixtureLines('v2-from-v1/pykraken-orderbook.v2.jsonl').map((f) =>
      f.replace(/"(price|qty)":(\d+(?:\.\d+)?)/g, (_m, k: string, n: string) => `"${k}":${String(Number(n))}`),
    );
    const r = replay(floaty, context()); // no precision known: nothing to pad with
    expect(r.failed).toBeGreaterThan(0);
    expect(r.verified).toBe(0);
  });

  it('the hand-written book parser equals the zod wire schema on every real frame', () => {
    const ctx = context();
    let compared = 0;
    for (const c of CONVERTED) {
      for (const frame of fixtureLines(c.file)) {
        if (!frame.startsWith('{"channel":"book"')) continue;
        const z = BookFrame.parse(parseKeepingNumbers(frame));
        const fast = krakenAdapter.parse(frame, ctx);
        expect(fast).toHaveLength(z.data.length);
        z.data.forEach((d, k) => {
          const m = fast[k]!;
          if (m.kind !== 'book') throw new Error('not a book message');
          expect(m.market).toBe(d.symbol);
          expect(m.action).toBe(z.type === 'snapshot' ? 'snapshot' : 'delta');
          expect(m.bids).toEqual(d.bids.map((l): Level => [l.price, l.qty]));
          expect(m.asks).toEqual(d.asks.map((l): Level => [l.price, l.qty]));
          expect(m.checksum).toBe(d.checksum === undefined ? undefined : Number(d.checksum));
        });
        compared++;
      }
    }
    expect(compared).toBe(CONVERTED.reduce((n, c) => n + c.bookFrames, 0)); // MANIFEST.md counts
  });
});

describe('kraken official v2 examples', () => {
  it('the documentation snapshot (BTC/USD, price 1 / qty 8 decimals) verifies: 3310070434', () => {
    const r = replay([docFrame('book-snapshot-btcusd.json')], context(inst('BTC/USD', 1, 8)));
    expect(r.verified).toBe(1);
    expect(r.failed).toBe(0);
    expect(r.syncs.get('BTC/USD')!.state).toBe('live');
    expect(r.syncs.get('BTC/USD')!.book.bestAsk()).toEqual(['45285.2', '0.00100000']);
  });

  it('the documentation snapshot verifies from its raw tokens alone (no precision known)', () => {
    const r = replay([docFrame('book-snapshot-btcusd.json')], context());
    expect(r.verified).toBe(1);
  });

  it('negative: float parsing fails the documentation checksum (3310070434)', () => {
    const frame = docFrame('book-snapshot-btcusd.json');
    const viaFloats = JSON.parse(frame) as { data: Array<{ bids: Array<{ price: number; qty: number }>; asks: Array<{ price: number; qty: number }> }> };
    const d = viaFloats.data[0]!;
    const js = (l: { price: number; qty: number }): Level => [String(l.price), String(l.qty)];
    // everything through JS floats: "45281.0" → "45281", "0.00100000" → "0.001"
    expect(checksumOfLevels(d.asks.map(js), d.bids.map(js))).toBe(4237635173);
    // exact prices, quantities through floats (docs/protocols/kraken.md#numbers-on-the-wire): 1604409348
    const exact = BookFrame.parse(parseKeepingNumbers(frame)).data[0]!;
    const qtyFloat = (l: { price: string; qty: string }): Level => [l.price, String(Number(l.qty))];
    expect(checksumOfLevels(exact.asks.map(qtyFloat), exact.bids.map(qtyFloat))).toBe(1604409348);
    // and tickwire's own path on a float-rewritten frame detects the mismatch
    const rewritten = JSON.stringify(viaFloats);
    const r = replay([rewritten], context());
    expect(r.failed).toBe(1);
    // … unless the pair's precision is known: padding restores the exact strings
    const padded = replay([rewritten], context(inst('BTC/USD', 1, 8)));
    expect(padded.verified).toBe(1);
  });

  it('a real GST/USD v2 snapshot (price_precision 3) verifies: 1931231958', () => {
    const frame = docFrame('book-snapshot-gstusd.json');
    expect(replay([frame], context(inst('GST/USD', 3, 8))).verified).toBe(1);
    expect(replay([trimNumberTokens(frame)], context(inst('GST/USD', 3, 8))).verified).toBe(1);
  });

  it('the documentation update keeps Kraken-trimmed quantities exact and pads them to qty_precision', () => {
    const [m] = krakenAdapter.parse(docFrame('book-update-maticusd.json'), context(inst('MATIC/USD', 4, 8)));
    expect(m).toEqual({
      kind: 'book',
      market: 'MATIC/USD',
      action: 'delta',
      bids: [['0.5657', '1098.39475580']],
      asks: [],
      checksum: 2114181697,
      exchangeTime: Date.parse('2023-10-06T17:35:55Z') * 1000 + 440295,
    });
  });
});
