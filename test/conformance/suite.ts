/**
 * The adapter conformance suite: `conformance({ id, captures, ... })` in test/conformance/<id>.test.ts runs every
 * check that holds for any exchange, so an exchange's own tests only cover what is specific to it.
 *
 * - parse: every real and every simulated frame is understood (no `unknown`/`malformed`), each decimal returned
 *   exactly as the frame spells it, and (with an `oracle`) equal to the zod wire schemas' reading;
 * - pure: the same frames parsed in order, in reverse and twice each give the same output, and the same requests
 *   built twice are the same (subscribe/unsubscribe/keepalive);
 * - captures: every real capture through parse + BookSync: no resync, the checksums and chains it carries verified;
 * - altered: one real frame changed — a size digit where the feed has a checksum, else an update id lowered by one
 *   where it has a chain (a raised one overlaps the next message and loses nothing) — is detected and resyncs only
 *   that book;
 * - subscribe/unsubscribe: batched, every stream named, within the exchange's limits;
 * - refused: frames the wire schemas refuse (`refused`, each an altered real frame) are `malformed` to the parser too;
 * - the simulator's protocol over a raw socket (./sim-protocol.ts): instruments, REST snapshot, keepalive, acks,
 *   unsubscribe, unknown markets;
 * - e2e: 3 books synced over loopback against the simulator equal its true book at the same update id, no connection
 *   reconnected (the keepalive held), each book with its instrument's size unit and contract value; a symbol the
 *   instrument list does not show is refused without a subscribe naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapters } from '../../src/exchanges/registry.js';
import type { AdapterContext, BookRules, ExchangeAdapter, StreamRef, WireMessage } from '../../src/exchanges/types.js';
import { DEFAULT_CHANNELS, type Channel, type ExchangeId } from '../../src/schema/events.js';
import { startHarness, troubleElsewhere, type Harness } from '../helpers/harness.js';
import { expectEqualsTruth, waitLive } from '../faults/runner.js';
import { bounded, bumpLastDigit, names, notVerbatim, replaceLastToken, replaceToken } from './checks.js';
import { framesOf, replay, type Candidate, type Recorded, type ReplayResult } from './replay.js';
import { collectSimFrames, simInstruments, type SimFrames } from './sim-frames.js';
import { simProtocolChecks } from './sim-protocol.js';

const adapters = await loadAdapters();

export type { Recorded } from './replay.js';
export { asItems } from './replay.js';

export interface Capture {
  /** Where it comes from (fixtures/README.md has the provenance). */
  name: string;
  /** Recorded frames and REST snapshot bodies, in arrival order. */
  items: () => Recorded[];
  /** Book rules to replay with (default the adapter's own), e.g. the variant of a feed older than a field. */
  rules?: BookRules;
  /** The parse context the capture was recorded with (default: depth 1000, no instruments). */
  ctx?: () => AdapterContext;
  /** Counted over the replay, exactly: book messages parsed, checksums verified, deltas chained, books live at the end. */
  expect: { bookMessages: number; checksums?: number; chained?: number; live: number };
}

export interface ConformanceSpec {
  id: ExchangeId;
  /** Default: the registry's adapter for `id`. */
  adapter?: ExchangeAdapter;
  /** Real captures (fixtures/<exchange>/). */
  captures: Capture[];
  /** The zod wire schemas' reading of a frame, or undefined for a frame they do not cover: `parse` must equal it. */
  oracle?: (frame: string, ctx: AdapterContext) => WireMessage[] | undefined;
  /** How many real frames the oracle covers, exactly (guards its filter). */
  oracleFrames?: number;
  /** Well-formed frames that are legitimately `unknown` to the adapter (a kind tickwire does not use), and why. */
  unknown?: { match: (frame: string) => boolean; why: string };
  /** Why the adapter batches per market (one request per instrument, its channels together) rather than across markets. */
  batchPerMarket?: string;
  /** A cap the exchange puts on one subscribe message (Bybit: 10 args), and how to count a message's streams. */
  perMessage?: { max: number; count: (message: string) => number };
  /** Book depth of the parse context and the simulated subscription. Default 50. */
  bookDepth?: number;
  /** Three symbols the simulator serves. Default BTC/USDT, ETH/USDT, SOL/USDT. */
  symbols?: [string, string, string];
  /** Why the altered-frame check cannot run although a capture has a proof (e.g. too short to alter one delta). */
  noAlteration?: string;
  /** Channels that ride on another's exchange stream (Bybit linear: `derivative` on `tickers.X`, like `ticker`), and why. */
  sharesStream?: { channel: Channel; with: Channel; why: string } | Array<{ channel: Channel; with: Channel; why: string }>;
  /**
   * A channel whose one exchange subscription serves every market and is never unsubscribed (OKX `liquidation-orders`
   * by instrument type), and why: leaving it out of one market changes nothing, leaving it out of all markets does.
   */
  sharedAcrossMarkets?: { channel: Channel; why: string };
  /** Frames the wire schemas refuse (the oracle throws): the parser must call each `malformed`, never read it. */
  refused?: () => string[];
  /** Why a subscribe naming a market the simulator does not serve gets no refusal on the wire. */
  unknownNotRefused?: string;
}

const SYMBOLS: [string, string, string] = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

/** Messages as compared here: without the numeric form of the levels a scanner attaches (`codes`, level-codes.ts). */
function plain(msgs: WireMessage[]): WireMessage[] {
  return msgs.map((m) => {
    if (m.kind !== 'book' || !('codes' in m)) return m;
    const { codes: _c, codesFrame: _f, ...rest } = m;
    return rest;
  });
}

export function conformance(spec: ConformanceSpec): void {
  const adapter = spec.adapter ?? adapters[spec.id];
  const symbols = spec.symbols ?? SYMBOLS;
  const depth = spec.bookDepth ?? 50;
  const captureCtx = (c: Capture): AdapterContext => c.ctx?.() ?? { bookDepth: 1000, instruments: new Map() };
  /** Every real frame with the context of its capture. */
  const realFrames = (): Array<[string, AdapterContext]> =>
    spec.captures.flatMap((c) => {
      const cc = captureCtx(c);
      return framesOf(c.items()).map((f): [string, AdapterContext] => [f, cc]);
    });

  describe(`conformance: ${spec.id}`, () => {
    let sim: SimFrames;
    beforeAll(async () => {
      sim = await collectSimFrames(spec.id, adapter, symbols, { bookMessages: 60, bookDepth: depth });
    }, 20_000);

    const understood = (frames: ReadonlyArray<readonly [string, AdapterContext]>): { problems: string[]; counts: Record<string, number> } => {
      const problems: string[] = [];
      const counts: Record<string, number> = {};
      const parser = adapter.newParser?.();
      for (const [frame, c] of frames) {
        const msgs = plain(adapter.parse(frame, c));
        // as the pipeline calls it, with the frame's bytes (a scanner may read those): the same messages
        const withBytes = plain(adapter.parse(frame, c, Buffer.from(frame, 'utf8')));
        if (JSON.stringify(withBytes) !== JSON.stringify(msgs)) problems.push(`parse with the frame's bytes differs: ${frame.slice(0, 160)}`);
        // the runtime's parser (its own state, kept from frame to frame): the same messages again
        const viaParser = parser === undefined ? msgs : plain(parser.parse(frame, c, Buffer.from(frame, 'utf8')));
        if (JSON.stringify(viaParser) !== JSON.stringify(msgs)) problems.push(`the adapter's parser differs from parse: ${frame.slice(0, 160)}`);
        for (const m of msgs) {
          counts[m.kind] = (counts[m.kind] ?? 0) + 1;
          if ((m.kind === 'unknown' || m.kind === 'malformed') && !spec.unknown?.match(frame)) problems.push(`${m.kind} (${m.reason}): ${frame.slice(0, 160)}`);
        }
        problems.push(...notVerbatim(frame, msgs).map((p) => `${p}: ${frame.slice(0, 160)}`));
      }
      return { problems: problems.slice(0, 10), counts };
    };

    // skipped for a feed no public capture exists of (fixtures/README.md lists what does): nothing real to parse
    if (spec.captures.length === 0) it.skip('parse of real frames: no real capture of this feed (fixtures/README.md)', () => undefined);
    else
      it(`parse: every real frame is understood${spec.unknown ? ` (${spec.unknown.why})` : ''}, every decimal exactly as the frame spells it`, () => {
        const { problems, counts } = understood(realFrames());
        expect(problems).toEqual([]);
        expect(counts.book ?? 0).toBeGreaterThan(0);
      }, 60_000);

    it('parse: every simulated frame (book, ticker, trade of 3 symbols) is understood, decimals exact', () => {
      const { problems, counts } = understood(sim.frames.map((f) => [f, sim.ctx] as const));
      expect(problems).toEqual([]);
      expect(counts.book).toBeGreaterThanOrEqual(60);
      expect(counts.trade ?? 0, 'trades').toBeGreaterThan(0);
      expect(counts.ticker ?? 0, 'tickers').toBeGreaterThan(0);
      if ((adapter.channels ?? DEFAULT_CHANNELS).includes('derivative')) expect(counts.derivative ?? 0, 'derivative messages').toBeGreaterThan(0);
    });

    it.runIf(spec.oracle !== undefined)('parse equals the wire schemas (the oracle) on every real and simulated frame they cover', () => {
      let covered = 0;
      const real = realFrames();
      for (const [frame, c] of real) {
        const ref = spec.oracle!(frame, c);
        if (ref === undefined) continue;
        covered++;
        expect(plain(adapter.parse(frame, c)), frame.slice(0, 200)).toEqual(ref);
      }
      if (spec.oracleFrames !== undefined) expect(covered, 'real frames the oracle covers').toBe(spec.oracleFrames);
      let simCovered = 0;
      for (const frame of sim.frames) {
        const ref = spec.oracle!(frame, sim.ctx);
        if (ref === undefined) continue;
        simCovered++;
        expect(plain(adapter.parse(frame, sim.ctx)), frame.slice(0, 200)).toEqual(ref);
      }
      expect(simCovered, 'simulated frames the oracle covers').toBeGreaterThan(0);
    }, 60_000);

    it.runIf(spec.refused !== undefined)('refused: frames the wire schemas refuse are malformed to the parser too', () => {
      const ctx: AdapterContext = { bookDepth: depth, instruments: new Map() };
      for (const frame of spec.refused!()) {
        expect(() => spec.oracle!(frame, ctx), frame).toThrow();
        expect(adapter.parse(frame, ctx).map((m) => m.kind), frame).toEqual(['malformed']);
      }
    });

    it('pure: the same frames parsed in order, in reverse and twice each, and the same requests built twice, give the same (no module state)', () => {
      const frames = [...realFrames(), ...sim.frames.map((f) => [f, sim.ctx] as const)];
      // each pass with copies of the contexts: a cache keyed by the context object cannot carry over
      // in order; in reverse order; each frame parsed twice in a row (the second kept): state carried from one
      // parse to the next (a counter, a cache, a last id) shows as a difference between the three
      const pass = (order: 'forward' | 'reverse' | 'twice'): WireMessage[][] => {
        const copies = new Map<AdapterContext, AdapterContext>();
        const copy = (c: AdapterContext): AdapterContext => copies.get(c) ?? copies.set(c, { ...c, instruments: new Map(c.instruments) }).get(c)!;
        const one = ([f, c]: readonly [string, AdapterContext]): WireMessage[] => plain(adapter.parse(f, copy(c)));
        if (order === 'forward') return frames.map(one);
        if (order === 'reverse') return frames.slice().reverse().map(one).reverse();
        return frames.map((fc) => (one(fc), one(fc)));
      };
      const forward = pass('forward');
      expect(pass('reverse')).toEqual(forward);
      expect(pass('twice')).toEqual(forward);
      const streams = sim.markets.flatMap((market) => (adapter.channels ?? DEFAULT_CHANNELS).map((channel) => ({ market, channel })));
      const build = (): string[] => {
        let n = 0;
        const next = (): number => ++n;
        return [...adapter.subscribe(streams, sim.ctx, next), ...adapter.unsubscribe(streams, sim.ctx, next)];
      };
      expect(build()).toEqual(build());
      const ping = adapter.keepalive.ping;
      if (ping?.kind === 'text') expect([ping.message(1), ping.message(2)]).toEqual([ping.message(1), ping.message(2)]);
    }, 60_000);

    if (spec.captures.length > 0) describe('real captures through parse + BookSync', () => {
      for (const capture of spec.captures) {
        const proves = [capture.expect.checksums !== undefined && `${capture.expect.checksums} checksums`, capture.expect.chained !== undefined && `${capture.expect.chained} chained deltas`].filter(Boolean);
        it(`${capture.name}: ${capture.expect.bookMessages} book messages, ${proves.join(', ') || 'no proof on the wire'}, no resync`, () => {
          const r = replay(adapter, capture.items(), { rules: capture.rules, ctx: captureCtx(capture) });
          expect(r.problems).toEqual([]);
          expect(r.bookMessages).toBe(capture.expect.bookMessages);
          expect(r.checksumsFailed).toBe(0);
          if (capture.expect.checksums !== undefined) expect(r.checksumsVerified).toBe(capture.expect.checksums);
          if (capture.expect.chained !== undefined) expect(r.chained).toBe(capture.expect.chained);
          expect([...r.syncs.values()].filter((s) => s.state === 'live')).toHaveLength(capture.expect.live);
        }, 60_000);
      }
    });

    const altered = alterationFor(spec.captures);
    if (spec.noAlteration !== undefined) {
      // skipped where the spec says why an altered frame cannot be detected (reason in the name)
      it.skip(`an altered frame is detected: not run, ${spec.noAlteration}`, () => undefined);
    } else if (altered === undefined) {
      // skipped: no real capture of this feed carries a checksum or a sequence chain to alter
      it.skip('an altered frame is detected: not applicable, no real capture carries a checksum or a chain', () => undefined);
    } else {
      it(`an altered frame is detected: ${altered.proof === 'checksum' ? 'one size digit changed (checksum)' : 'one update id lowered by one (chain)'}, only that book resyncs`, () => {
        const items = altered.capture.items();
        const c = captureCtx(altered.capture);
        const clean = replay(adapter, items, { rules: altered.capture.rules, ctx: c });
        const cand = pick(clean, altered.proof, (altered.capture.rules ?? adapter.book).checksumDepth, items.length);
        expect(cand, 'a level to alter').toBeDefined();
        const item = items[cand!.item]!;
        if (item.kind !== 'frame') throw new Error('not a frame');
        const text = altered.proof === 'checksum'
          ? replaceToken(item.text, cand!.size, bumpLastDigit(cand!.size), bounded(cand!.price).exec(item.text)?.index ?? 0)
          : replaceLastToken(item.text, String(cand!.updateId), String(cand!.updateId! - 1));
        expect(text).toBeDefined();
        expect(adapter.parse(text!, c)).not.toEqual(adapter.parse(item.text, c));
        const changed = items.slice();
        changed[cand!.item] = { kind: 'frame', text: text! };
        const r = replay(adapter, changed, { rules: altered.capture.rules, ctx: c });
        expect(r.problems[0]).toMatchObject({ state: 'resyncing', market: cand!.market, code: altered.proof === 'checksum' ? 'TW_ERR_CHECKSUM' : 'TW_ERR_SEQUENCE_GAP' });
        expect(r.problems.filter((e) => e.type === 'status' && e.market !== cand!.market)).toEqual([]);
        for (const [market, sync] of clean.syncs) if (market !== cand!.market) expect(r.syncs.get(market)?.state, market).toBe(sync.state);
      }, 60_000);
    }

    it('subscribe/unsubscribe: every stream in the messages, batched, within the exchange limits', () => {
      const streams: StreamRef[] = sim.markets.flatMap((market) => (adapter.channels ?? DEFAULT_CHANNELS).map((channel) => ({ market, channel })));
      for (const op of ['subscribe', 'unsubscribe'] as const) {
        let n = 0;
        const msgs = adapter[op](streams, sim.ctx, () => ++n);
        expect(msgs.length, `${op}: messages`).toBeGreaterThan(0);
        // batched: more markets add no messages, or under a per-message cap no more than the cap requires
        const oneMarket = adapter[op](streams.filter((st) => st.market === sim.markets[0]), sim.ctx, () => 1);
        if (spec.perMessage) {
          const items = msgs.reduce((sum, m) => sum + spec.perMessage!.count(m), 0);
          expect(msgs.length, `${op}: batched`).toBe(Math.ceil(items / spec.perMessage.max));
        } else expect(msgs.length, `${op}: batched`).toBeLessThanOrEqual(oneMarket.length * (spec.batchPerMarket ? sim.markets.length : 1));
        expect(msgs.length, `${op}: batched`).toBeLessThan(streams.length);
        for (const m of msgs) expect(() => JSON.parse(m) as unknown, m).not.toThrow();
        for (const market of sim.markets) expect(msgs.some((m) => names(m, market)), `${op} names ${market}`).toBe(true);
        // every stream is in the messages: leaving any one out changes them
        const shares = spec.sharesStream === undefined ? [] : Array.isArray(spec.sharesStream) ? spec.sharesStream : [spec.sharesStream];
        const acrossMarkets = spec.sharedAcrossMarkets?.channel;
        for (const left of streams) {
          let k = 0;
          // never unsubscribed: nothing to leave out
          if (left.channel === acrossMarkets && op === 'unsubscribe') continue;
          // a channel that shares its exchange stream with another is left out together with that one; one subscription
          // for every market is left out of all of them
          const gone = (st: StreamRef): boolean =>
            st === left ||
            (left.channel === acrossMarkets && st.channel === acrossMarkets) ||
            shares.some((share) => st.market === left.market && [share.channel, share.with].includes(left.channel) && [share.channel, share.with].includes(st.channel));
          const without = adapter[op](streams.filter((st) => !gone(st)), sim.ctx, () => ++k);
          expect(without, `${op} without ${left.market} ${left.channel}`).not.toEqual(msgs);
        }
        if (spec.perMessage) for (const m of msgs) expect(spec.perMessage.count(m), m).toBeLessThanOrEqual(spec.perMessage.max);
        // a channel riding on another's exchange stream asks for that stream, once: alone or with its partner, the
        // messages are the partner's alone
        for (const share of shares) {
          const market = sim.markets[0]!;
          const build = (channels: Channel[]): string[] => adapter[op](channels.map((channel) => ({ market, channel })), sim.ctx, () => 1);
          expect(build([share.channel]), `${op} ${share.channel} alone`).toEqual(build([share.with]));
          expect(build([share.channel, share.with]), `${op} ${share.channel} with ${share.with}`).toEqual(build([share.with]));
        }
        // a full connection, subscribed and unsubscribed, fits the exchange's hourly message budget
        const perHour = adapter.limits.subscribeMessagesPerHour;
        if (perHour !== undefined) expect(msgs.length * Math.ceil(adapter.limits.maxStreamsPerConnection / streams.length) * 2).toBeLessThanOrEqual(perHour);
      }
    }, 60_000);

    simProtocolChecks(adapter, { id: spec.id, symbols, bookDepth: depth, ...(spec.unknownNotRefused ? { unknownNotRefused: spec.unknownNotRefused } : {}) });

    describe('e2e against the simulator', () => {
      let h: Harness;
      beforeAll(async () => {
        // REST snapshots at event boundaries (the simulator keeps the truth at those ids only); snapshots taken
        // partway into an event are the fault matrix's and the exchanges' own e2e tests' business
        const sim = { levels: 200, restMidEventRatio: 0, ...(spec.symbols ? { symbols: [...spec.symbols] } : {}) };
        h = await startHarness({ exchanges: [spec.id], markets: symbols.map((s) => `${spec.id}:${s}`), sim, config: { channels: ['book'], symbolsPerConnection: 2 } });
      });
      afterAll(async () => h?.close());
      it('3 books live, their first snapshot and their book after ≥ 50 deltas equal to the simulator\'s true book (at the same update id; paused where the feed has no ids)', async () => {
        for (const s of symbols) await waitLive(h, spec.id, s, 20_000);
        // the first snapshot too, where it has an id: 50 later deltas may rewrite the levels a wrong one got wrong
        for (const s of symbols) {
          const snap = h.events.find((e) => e.type === 'book_snapshot' && e.symbol === s);
          if (snap?.type !== 'book_snapshot' || snap.updateId === undefined) continue;
          const truth = h.sim.trueBookAt(spec.id, s, snap.updateId);
          expect(truth, `the simulator's book of ${s} at ${snap.updateId}`).toBeDefined();
          expect({ bids: snap.bids.slice(0, 20), asks: snap.asks.slice(0, 20) }).toEqual({ bids: truth!.bids.slice(0, 20), asks: truth!.asks.slice(0, 20) });
        }
        for (const s of symbols) await expectEqualsTruth(h, spec.id, s);
        expect(h.statuses({ scope: 'stream', state: 'resyncing' })).toEqual([]);
        // the keepalive held all along (the simulator's pings or heartbeats every 300 ms, answered where it asks)
        expect(h.statuses({ state: 'reconnecting' })).toEqual([]);
        // each book carries its instrument's size unit and contract value, as the instrument list gives them
        const instruments = await simInstruments(adapter, h.sim.endpoints[spec.id]!.rest);
        for (const e of h.events) {
          if (e.type !== 'book_snapshot') continue;
          const inst = instruments.get(e.market);
          expect({ sizeUnit: e.sizeUnit, contractValue: e.contractValue }, e.symbol).toEqual({ sizeUnit: inst?.sizeUnit, contractValue: inst?.contractValue });
        }
      }, 60_000);
      it('a symbol the instrument list does not show is refused without a subscribe naming it; the others stay live', async () => {
        for (const s of symbols) await waitLive(h, spec.id, s, 20_000);
        const from = h.events.length;
        const nope = symbols[0].replace(/^[A-Z0-9]+\//, 'NOPE/');
        void h.hub.add(spec.id, nope, ['book']);
        await h.waitFor((e) => e.type === 'status' && e.symbol === nope && e.code === 'TW_ERR_UNKNOWN_SYMBOL', `${nope} refused`);
        expect(h.sim.entries(spec.id).filter((e) => e.kind === 'ws-recv' && names(e.data ?? '', adapter.toMarket(nope)))).toEqual([]);
        expect(troubleElsewhere(h, from, [[spec.id, nope]])).toEqual([]);
      }, 60_000);
    });
  });
}

type Proof = 'checksum' | 'chain';

function alterationFor(captures: readonly Capture[]): { capture: Capture; proof: Proof } | undefined {
  const checksummed = captures.find((c) => (c.expect.checksums ?? 0) > 0);
  if (checksummed) return { capture: checksummed, proof: 'checksum' };
  const chained = captures.find((c) => (c.expect.chained ?? 0) > 0);
  return chained ? { capture: chained, proof: 'chain' } : undefined;
}

/** A level to alter: within the checksum's depth (checksum), or a delta with an update id not near the end (chain). */
function pick(r: ReplayResult, proof: Proof, checksumDepth: number | undefined, items: number): Candidate | undefined {
  if (proof === 'checksum') return r.candidates.find((c) => c.rank < (checksumDepth ?? 25));
  return r.candidates.find((c) => c.updateId !== undefined && c.item < items * 0.9);
}

export type { ReplayResult };
