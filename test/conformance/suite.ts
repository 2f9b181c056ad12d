/**
 * The adapter conformance suite: `conformance({ id, captures, ... })` in test/conformance/<id>.test.ts runs every
 * check that holds for any exchange, so an exchange's own tests only cover what is specific to it.
 *
 * - parse: every real and every simulated frame is understood (no `unknown`/`malformed`), each decimal returned
 *   exactly as the frame spells it, and (with an `oracle`) equal to the zod wire schemas' reading;
 * - pure: parsing the same frames twice gives the same output, and so do subscribe/unsubscribe/keepalive messages;
 * - captures: every real capture through parse + BookSync: no resync, the checksums and chains it carries verified;
 * - altered: one real frame changed — a size digit where the feed has a checksum, else an update id lowered by one
 *   where it has a chain (a raised one overlaps the next message and loses nothing) — is detected and resyncs only
 *   that book;
 * - subscribe/unsubscribe: batched, every stream named, within the exchange's limits;
 * - e2e: 3 books synced over loopback against the simulator equal its true book at the same update id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../src/exchanges/registry.js';
import type { AdapterContext, BookRules, ExchangeAdapter, StreamRef, WireMessage } from '../../src/exchanges/types.js';
import { CHANNELS, type ExchangeId } from '../../src/schema/events.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { expectEqualsTruth, waitLive } from '../faults/runner.js';
import { bounded, bumpLastDigit, names, notVerbatim, replaceLastToken, replaceToken } from './checks.js';
import { framesOf, replay, type Candidate, type Recorded, type ReplayResult } from './replay.js';
import { collectSimFrames, type SimFrames } from './sim-frames.js';

export type { Recorded } from './replay.js';
export { asItems } from './replay.js';

export interface Capture {
  /** Where it comes from (fixtures/README.md has the provenance). */
  name: string;
  /** Recorded frames and REST snapshot bodies, in arrival order. */
  items: () => Recorded[];
  /** Book rules to replay with (default the adapter's own), e.g. the variant of a feed older than a field. */
  rules?: BookRules;
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
  /** Well-formed frames that are legitimately `unknown` to the adapter (a kind tickwire does not use), and why. */
  unknown?: { match: (frame: string) => boolean; why: string };
  /** A cap the exchange puts on one subscribe message (Bybit: 10 args), and how to count a message's streams. */
  perMessage?: { max: number; count: (message: string) => number };
  /** Book depth of the parse context and the simulated subscription. Default 50. */
  bookDepth?: number;
  /** Three symbols the simulator serves. Default BTC/USDT, ETH/USDT, SOL/USDT. */
  symbols?: [string, string, string];
}

const SYMBOLS: [string, string, string] = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

export function conformance(spec: ConformanceSpec): void {
  const adapter = spec.adapter ?? adapters[spec.id];
  const symbols = spec.symbols ?? SYMBOLS;
  const depth = spec.bookDepth ?? 50;
  const ctx = (): AdapterContext => ({ bookDepth: depth, instruments: new Map() });
  const realFrames = (): string[] => spec.captures.flatMap((c) => framesOf(c.items()));

  describe(`conformance: ${spec.id}`, () => {
    let sim: SimFrames;
    beforeAll(async () => {
      sim = await collectSimFrames(spec.id, adapter, symbols, { bookMessages: 60, bookDepth: depth });
    }, 20_000);

    const understood = (frames: readonly string[], c: AdapterContext): { problems: string[]; counts: Record<string, number> } => {
      const problems: string[] = [];
      const counts: Record<string, number> = {};
      for (const frame of frames) {
        const msgs = adapter.parse(frame, c);
        for (const m of msgs) {
          counts[m.kind] = (counts[m.kind] ?? 0) + 1;
          if ((m.kind === 'unknown' || m.kind === 'malformed') && !spec.unknown?.match(frame)) problems.push(`${m.kind} (${m.reason}): ${frame.slice(0, 160)}`);
        }
        problems.push(...notVerbatim(frame, msgs).map((p) => `${p}: ${frame.slice(0, 160)}`));
      }
      return { problems: problems.slice(0, 10), counts };
    };

    it('parse: every real frame is understood, every decimal exactly as the frame spells it', () => {
      const { problems, counts } = understood(realFrames(), ctx());
      expect(problems).toEqual([]);
      expect(counts.book ?? 0).toBeGreaterThan(0);
    });

    it('parse: every simulated frame (book, ticker, trade of 3 symbols) is understood, decimals exact', () => {
      const { problems, counts } = understood(sim.frames, sim.ctx);
      expect(problems).toEqual([]);
      expect(counts.book).toBeGreaterThanOrEqual(60);
      expect(counts.trade ?? 0, 'trades').toBeGreaterThan(0);
      expect(counts.ticker ?? 0, 'tickers').toBeGreaterThan(0);
    });

    it.runIf(spec.oracle !== undefined)('parse equals the wire schemas (the oracle) on every real and simulated frame they cover', () => {
      let covered = 0;
      for (const [frames, c] of [[realFrames(), ctx()], [sim.frames, sim.ctx]] as const) {
        for (const frame of frames) {
          const ref = spec.oracle!(frame, c);
          if (ref === undefined) continue;
          covered++;
          expect(adapter.parse(frame, c), frame.slice(0, 200)).toEqual(ref);
        }
      }
      expect(covered).toBeGreaterThan(0);
    });

    it('pure: the same frames parsed twice, and the same requests built twice, are the same (no module state)', () => {
      const frames = [...realFrames(), ...sim.frames];
      const pass = (): WireMessage[][] => {
        const c = { ...sim.ctx, instruments: new Map(sim.ctx.instruments) };
        return frames.map((f) => adapter.parse(f, c));
      };
      expect(pass()).toEqual(pass());
      const streams = sim.markets.flatMap((market) => CHANNELS.map((channel) => ({ market, channel })));
      const build = (): string[] => {
        let n = 0;
        const next = (): number => ++n;
        return [...adapter.subscribe(streams, sim.ctx, next), ...adapter.unsubscribe(streams, sim.ctx, next)];
      };
      expect(build()).toEqual(build());
      const ping = adapter.keepalive.ping;
      if (ping?.kind === 'text') expect([ping.message(1), ping.message(2)]).toEqual([ping.message(1), ping.message(2)]);
    });

    describe('real captures through parse + BookSync', () => {
      for (const capture of spec.captures) {
        const proves = [capture.expect.checksums !== undefined && `${capture.expect.checksums} checksums`, capture.expect.chained !== undefined && `${capture.expect.chained} chained deltas`].filter(Boolean);
        it(`${capture.name}: ${capture.expect.bookMessages} book messages, ${proves.join(', ') || 'no proof on the wire'}, no resync`, () => {
          const r = replay(adapter, capture.items(), { rules: capture.rules, depth: 1000 });
          expect(r.problems).toEqual([]);
          expect(r.bookMessages).toBe(capture.expect.bookMessages);
          expect(r.checksumsFailed).toBe(0);
          if (capture.expect.checksums !== undefined) expect(r.checksumsVerified).toBe(capture.expect.checksums);
          if (capture.expect.chained !== undefined) expect(r.chained).toBe(capture.expect.chained);
          expect([...r.syncs.values()].filter((s) => s.state === 'live')).toHaveLength(capture.expect.live);
        });
      }
    });

    const altered = alterationFor(spec.captures);
    if (altered === undefined) {
      it.skip('an altered frame is detected: not applicable, no capture carries a checksum or a chain', () => undefined);
    } else {
      it(`an altered frame is detected: ${altered.proof === 'checksum' ? 'one size digit changed (checksum)' : 'one update id lowered by one (chain)'}, only that book resyncs`, () => {
        const items = altered.capture.items();
        const clean = replay(adapter, items, { rules: altered.capture.rules, depth: 1000 });
        const cand = pick(clean, altered.proof, (altered.capture.rules ?? adapter.book).checksumDepth, items.length);
        expect(cand, 'a level to alter').toBeDefined();
        const item = items[cand!.item]!;
        if (item.kind !== 'frame') throw new Error('not a frame');
        const text = altered.proof === 'checksum'
          ? replaceToken(item.text, cand!.size, bumpLastDigit(cand!.size), bounded(cand!.price).exec(item.text)?.index ?? 0)
          : replaceLastToken(item.text, String(cand!.updateId), String(cand!.updateId! - 1));
        expect(text).toBeDefined();
        expect(adapter.parse(text!, ctx())).not.toEqual(adapter.parse(item.text, ctx()));
        const changed = items.slice();
        changed[cand!.item] = { kind: 'frame', text: text! };
        const r = replay(adapter, changed, { rules: altered.capture.rules, depth: 1000 });
        expect(r.problems[0]).toMatchObject({ state: 'resyncing', market: cand!.market, code: altered.proof === 'checksum' ? 'TW_ERR_CHECKSUM' : 'TW_ERR_SEQUENCE_GAP' });
        expect(r.problems.filter((e) => e.type === 'status' && e.market !== cand!.market)).toEqual([]);
        for (const [market, sync] of clean.syncs) if (market !== cand!.market) expect(r.syncs.get(market)?.state, market).toBe(sync.state);
      });
    }

    it('subscribe/unsubscribe: batched, every stream named once at least, within the exchange limits', () => {
      const streams: StreamRef[] = sim.markets.flatMap((market) => CHANNELS.map((channel) => ({ market, channel })));
      for (const op of ['subscribe', 'unsubscribe'] as const) {
        let n = 0;
        const msgs = adapter[op](streams, sim.ctx, () => ++n);
        expect(msgs.length, `${op}: messages`).toBeGreaterThan(0);
        // batched: fewer messages than streams, and a single stream is a single message
        expect(msgs.length, `${op}: batched`).toBeLessThan(streams.length);
        expect(adapter[op]([streams[0]!], sim.ctx, () => 1), `${op}: one stream`).toHaveLength(1);
        for (const m of msgs) expect(() => JSON.parse(m) as unknown, m).not.toThrow();
        for (const market of sim.markets) expect(msgs.some((m) => names(m, market)), `${op} names ${market}`).toBe(true);
        if (spec.perMessage) for (const m of msgs) expect(spec.perMessage.count(m), m).toBeLessThanOrEqual(spec.perMessage.max);
        // a full connection, subscribed and unsubscribed, fits the exchange's hourly message budget
        const perHour = adapter.limits.subscribeMessagesPerHour;
        if (perHour !== undefined) expect(msgs.length * Math.ceil(adapter.limits.maxStreamsPerConnection / streams.length) * 2).toBeLessThanOrEqual(perHour);
      }
    });

    describe('e2e against the simulator', () => {
      let h: Harness;
      beforeAll(async () => {
        h = await startHarness({ exchanges: [spec.id], markets: symbols.map((s) => `${spec.id}:${s}`), sim: { levels: 200 }, config: { channels: ['book'], symbolsPerConnection: 2 } });
      });
      afterAll(async () => h?.close());
      it('3 books live and equal to the simulator\'s true book at the same update id after ≥ 50 deltas', async () => {
        for (const s of symbols) await waitLive(h, spec.id, s, 20_000);
        for (const s of symbols) await expectEqualsTruth(h, spec.id, s);
        expect(h.statuses({ scope: 'stream', state: 'resyncing' })).toEqual([]);
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
