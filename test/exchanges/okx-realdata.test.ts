/**
 * Real OKX captures through tickwire's own parse + BookSync/OrderBook + checksum code.
 *
 * The captures (2021–2023) predate `seqId`/`prevSeqId`: they are driven with the `sequence: 'when-present'` rules
 * variant, where the chain cannot be checked (there is none) and integrity rests on the checksum, which every frame
 * of these captures carries. The live rules (`sequence: 'required'`) would call every such frame a gap — tested too.
 */
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import { okxAdapter } from '../../src/exchanges/okx/index.js';
import { okxBookRules } from '../../src/exchanges/okx/book.js';
import type { AdapterContext, BookRules, DeltaMessage } from '../../src/exchanges/types.js';
import type { UnstampedEvent } from '../../src/schema/events.js';
import { removalSpellings } from '../helpers/removals.js';
import { okxCapture, OKCOIN_BOOKS, OKEX_2021, OKX_2022 } from './okx-captures.js';

const ctx: AdapterContext = { bookDepth: 400, instruments: new Map() };

interface Replay {
  bookFrames: number;
  verified: number;
  failed: number;
  events: UnstampedEvent[];
  syncs: Map<string, BookSync>;
  /** Markets whose sync asked for a REST snapshot / a resubscribe. */
  restRequests: string[];
  resubscribes: string[];
}

/** Feed every frame through the adapter's parse and one BookSync per market; count checksum verdicts. */
function replay(frames: readonly string[], rules: BookRules = okxBookRules({ sequence: 'when-present' })): Replay {
  const r: Replay = { bookFrames: 0, verified: 0, failed: 0, events: [], syncs: new Map(), restRequests: [], resubscribes: [] };
  // counts the verdicts of the rules in force, including a per-book variant (`variantFor`)
  const count = (base: BookRules): BookRules => ({
    ...base,
    verifyChecksum(book, msg) {
      const v = base.verifyChecksum!(book, msg);
      if (v === true) r.verified++;
      if (v === false) r.failed++;
      return v;
    },
    ...(base.variantFor ? { variantFor: (snap: DeltaMessage) => {
      const variant = base.variantFor!(snap);
      return variant === undefined ? undefined : count(variant);
    } } : {}),
  });
  const counting = count(rules);
  let t = 1;
  for (const frame of frames) {
    for (const msg of okxAdapter.parse(frame, ctx)) {
      if (msg.kind !== 'book') continue;
      r.bookFrames++;
      let sync = r.syncs.get(msg.market);
      if (sync === undefined) {
        const market = msg.market;
        sync = new BookSync({
          exchange: 'okx',
          symbol: msg.market,
          market: msg.market,
          rules: counting,
          subscribedDepth: 400,
          requestSnapshot: () => r.restRequests.push(market),
          requestResubscribe: () => r.resubscribes.push(market),
          emit: (e) => r.events.push(e),
        });
        sync.start(t);
        r.syncs.set(msg.market, sync);
      }
      sync.onMessage(msg, t++);
    }
  }
  return r;
}

function problems(r: Replay): UnstampedEvent[] {
  return r.events.filter((e) => e.type === 'status' && e.code !== 'TW_OK');
}

describe('OKX real captures: every checksum verifies through parse + BookSync + OrderBook', () => {
  it('cryptofeed OKX.ws.1.0 (books, 2022): 290/290', () => {
    const r = replay(okxCapture(OKX_2022));
    expect(r.bookFrames).toBe(290);
    expect(r.verified).toBe(290);
    expect(r.failed).toBe(0);
    expect(problems(r)).toEqual([]);
    expect(r.restRequests).toEqual([]); // every book started with its in-band snapshot
    expect([...r.syncs.values()].map((s) => s.state)).toEqual(['live', 'live', 'live']);
    // integrity says what was proven: the checksum, over 25 levels
    const snap = r.events.find((e) => e.type === 'book_snapshot');
    expect(snap).toMatchObject({ integrity: 'checksum', integrityDepth: 25 });
  });

  it('cryptofeed OKEX.ws.1.0 (books-l2-tbt, 2021, 10 instruments): 1504/1504', () => {
    const r = replay(okxCapture(OKEX_2021));
    expect(r.bookFrames).toBe(1504);
    expect(r.verified).toBe(1504);
    expect(r.failed).toBe(0);
    expect(problems(r)).toEqual([]);
    expect(r.syncs.size).toBe(10);
  });

  it('every removal in the emitted deltas is spelled exactly "0" (OKX already writes "0": guards a regression)', () => {
    for (const capture of [OKX_2022, OKEX_2021]) {
      const spellings = removalSpellings(replay(okxCapture(capture)).events);
      expect([...spellings.keys()], capture.file).toEqual(['0']);
      expect(spellings.get('0'), capture.file).toBeGreaterThan(0);
    }
  });

  it('gocryptotrader OKCoin books (400-level snapshot + update): 2/2', () => {
    const r = replay(okxCapture(OKCOIN_BOOKS));
    expect(r.bookFrames).toBe(2);
    expect(r.verified).toBe(2);
    expect(problems(r)).toEqual([]);
  });

  it('the live rules verify these seqId-less books by checksum (integrity checksum), never claiming a chain', () => {
    for (const frames of [okxCapture(OKCOIN_BOOKS), okxCapture(OKX_2022), okxCapture(OKEX_2021)]) {
      const r = replay(frames, okxBookRules());
      expect(problems(r)).toEqual([]);
      expect(r.failed).toBe(0);
      expect(r.verified).toBe(r.bookFrames);
      expect([...r.syncs.values()].every((s) => s.state === 'live')).toBe(true);
      const integrity = new Set(r.events.flatMap((e) => (e.type === 'book_snapshot' || e.type === 'book_delta' ? [e.integrity] : [])));
      expect(integrity).toEqual(new Set(['checksum']));
    }
  });

  it('live rules, seqId-less book: an altered update or one without a checksum resyncs it', () => {
    const frames = okxCapture(OKCOIN_BOOKS);
    const update = frames.findIndex((f) => f.includes('"action":"update"'));
    expect(update).toBeGreaterThan(0);
    const noChecksum = frames.slice();
    noChecksum[update] = frames[update]!.replace(/"checksum":-?\d+/, '"checksum":0');
    expect(noChecksum[update]).not.toBe(frames[update]);
    const bad = problems(replay(noChecksum, okxBookRules()));
    expect(bad[0]).toMatchObject({ type: 'status', state: 'resyncing', code: 'TW_ERR_CHECKSUM' });
  });

  it('the live rules still refuse a snapshot with neither seqId nor checksum', () => {
    const frames = okxCapture(OKCOIN_BOOKS).map((f) => f.replace(/"checksum":-?\d+/, '"checksum":0'));
    const gaps = problems(replay(frames, okxBookRules()));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ type: 'status', state: 'resyncing', code: 'TW_ERR_SEQUENCE_GAP' });
  });

  it('a deliberately altered frame is detected (one size changed in one update) and only that book resyncs', () => {
    const frames = okxCapture(OKX_2022);
    const idx = frames.findIndex((f) => f.includes('"action":"update"') && f.includes('"instId":"BTC-USDT"'));
    expect(idx).toBeGreaterThan(0);
    const original = frames[idx]!;
    const m = /\["([0-9.]+)","([0-9.]+)","0","(\d+)"\]/.exec(original)!;
    const altered = original.replace(m[0], `["${m[1]}","${m[2]}1","0","${m[3]}"]`);
    expect(altered).not.toBe(original);
    frames[idx] = altered;
    const r = replay(frames);
    const bad = problems(r);
    expect(bad.length).toBeGreaterThanOrEqual(1);
    expect(bad[0]).toMatchObject({ state: 'resyncing', code: 'TW_ERR_CHECKSUM', market: 'BTC-USDT' });
    expect(bad.every((e) => e.type === 'status' && e.market === 'BTC-USDT')).toBe(true);
    // recovery is a resubscribe of that book only (for a fresh in-band snapshot); the updates that keep coming
    // meanwhile are buffered and a REST snapshot is asked for in case none comes ('inband-or-rest')
    expect(r.resubscribes).toEqual(['BTC-USDT']);
    expect(new Set(r.restRequests)).toEqual(new Set(['BTC-USDT']));
    expect(r.syncs.get('BTC-USDT')!.state).toBe('resyncing');
    expect(r.syncs.get('BTC-USD-220527')!.state).toBe('live');
    expect(r.syncs.get('UNI-USD-SWAP')!.state).toBe('live');
  });

  // the hand-written books parser against the zod schema on every real frame: test/conformance/okx.test.ts (oracle)

  it('tickers and trades of the 2022 capture parse with absent values, never ""', () => {
    let tickers = 0;
    let trades = 0;
    for (const frame of okxCapture(OKX_2022)) {
      for (const msg of okxAdapter.parse(frame, ctx)) {
        if (msg.kind === 'ticker') {
          tickers++;
          for (const v of Object.values(msg.fields)) expect(v).not.toBe('');
          expect(msg.fields.bidPrice).toMatch(/^\d+(\.\d+)?$/);
        } else if (msg.kind === 'trade') {
          trades++;
          expect(msg.price).toMatch(/^\d+(\.\d+)?$/);
        } else if (msg.kind === 'unknown' || msg.kind === 'malformed') {
          throw new Error(`${msg.kind} message: ${msg.reason}`);
        }
      }
    }
    expect(tickers).toBe(28);
    expect(trades).toBe(74);
  });
});
