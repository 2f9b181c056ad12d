/**
 * Replays Kraken v2 frames through tickwire's own code path for books: the adapter's `parse`, then one `BookSync`
 * per market driven by the Kraken `BookRules` (apply all levels → truncate to depth → checksum). The rules are
 * wrapped only to count how many checksums were verified and how many failed.
 */
import { readFileSync } from 'node:fs';
import { BookSync } from '../../src/book/book-sync.js';
import { krakenAdapter, krakenBookRules } from '../../src/exchanges/kraken/index.js';
import type { UnstampedEvent } from '../../src/schema/events.js';
import type { AdapterContext, BookRules, Instrument, WireMessage } from '../../src/exchanges/types.js';

export interface ReplayResult {
  verified: number;
  failed: number;
  /** Book messages per market. */
  bookMessages: Map<string, number>;
  syncs: Map<string, BookSync>;
  events: UnstampedEvent[];
  resubscribes: string[];
  other: WireMessage[];
}

export function fixtureLines(path: string): string[] {
  return readFileSync(new URL(`../../fixtures/kraken/${path}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** `instruments.json` of the converted fixtures → the adapter context's instruments. */
export function convertedInstruments(): Map<string, Instrument> {
  const raw = JSON.parse(readFileSync(new URL('../../fixtures/kraken/v2-from-v1/instruments.json', import.meta.url), 'utf8')) as Record<
    string,
    { pricePrecision: number; qtyPrecision: number }
  >;
  const map = new Map<string, Instrument>();
  for (const [market, p] of Object.entries(raw)) {
    const [base = '', quote = ''] = market.split('/');
    map.set(market, { market, symbol: market, base, quote, trading: true, ...p });
  }
  return map;
}

export function context(instruments: Map<string, Instrument> = new Map(), bookDepth = 10): AdapterContext {
  return { bookDepth, instruments };
}

export function replay(frames: readonly string[], ctx: AdapterContext, rules: BookRules = krakenBookRules): ReplayResult {
  const r: ReplayResult = {
    verified: 0,
    failed: 0,
    bookMessages: new Map(),
    syncs: new Map(),
    events: [],
    resubscribes: [],
    other: [],
  };
  const counting: BookRules = {
    ...rules,
    verifyChecksum(book, msg) {
      const ok = rules.verifyChecksum?.(book, msg);
      if (ok === true) r.verified++;
      if (ok === false) r.failed++;
      return ok;
    },
  };
  let t = 1;
  for (const frame of frames) {
    for (const msg of krakenAdapter.parse(frame, ctx)) {
      if (msg.kind !== 'book') {
        r.other.push(msg);
        continue;
      }
      let sync = r.syncs.get(msg.market);
      if (sync === undefined) {
        const market = msg.market;
        sync = new BookSync({
          exchange: 'kraken',
          symbol: market,
          market,
          rules: counting,
          subscribedDepth: ctx.bookDepth,
          requestSnapshot: () => {
            throw new Error('Kraken never asks for a REST snapshot');
          },
          requestResubscribe: () => r.resubscribes.push(market),
          emit: (e) => r.events.push(e),
        });
        sync.start(t);
        r.syncs.set(market, sync);
      }
      r.bookMessages.set(msg.market, (r.bookMessages.get(msg.market) ?? 0) + 1);
      sync.onMessage(msg, t++);
    }
  }
  return r;
}

/** Every number token with its trailing fraction zeros removed, the way Kraken v2 itself trims (`1098.3947558`). */
export function trimNumberTokens(frame: string): string {
  return frame.replace(/("(?:price|qty)":)(\d+)\.(\d*?)0+(?=[,}])/g, (_m, key: string, int: string, frac: string) =>
    frac === '' ? `${key}${int}` : `${key}${int}.${frac}`,
  );
}
