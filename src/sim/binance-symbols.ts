/**
 * A Binance simulator symbol's wire identity and stream state: native id (COIN-M: `BTCUSD_PERP`), topics, event ids,
 * the padding of prices and sizes to the variant's wire decimals.
 */
import type { Level } from '../schema/events.js';
import { EventIds, type Gen } from './binance-ids.js';
import type { Variant } from './binance-variants.js';
import { splitUnified } from './symbols.js';
import type { SimSymbolSpec } from './types.js';

/** COIN-M native id of a sim symbol: `BTC/USD` → `BTCUSD_PERP`, `BTC/USD-250627` → `BTCUSD_250627`. */
function coinMNative(symbol: string): { native: string; pair: string; contractType: string; delivery: number | undefined } {
  const [head = symbol, expiry] = symbol.split('-');
  const { base, quote } = splitUnified(head);
  const pair = `${base}${quote}`.toUpperCase();
  if (expiry === undefined) return { native: `${pair}_PERP`, pair, contractType: 'PERPETUAL', delivery: undefined };
  const delivery = Date.UTC(2000 + Number(expiry.slice(0, 2)), Number(expiry.slice(2, 4)) - 1, Number(expiry.slice(4, 6)), 8);
  return { native: `${pair}_${expiry}`, pair, contractType: 'CURRENT_QUARTER', delivery };
}

/** One symbol of a Binance protocol server. */
export interface BinanceSym {
  spec: SimSymbolSpec;
  native: string;
  lower: string;
  /** Generated early for a mid-event REST snapshot, not yet emitted. */
  pending: Gen | undefined;
  /** Internal change id of the last emitted event (sent or dropped). */
  lastEmitted: number;
  /** Wire ids of this symbol's events. */
  ids: EventIds;
  lastTop: string;
  /** Best bid/ask after the last emitted event (tickers must not show a pending event's state). */
  lastBest: [Level, Level] | undefined;
  /** [price, size] wire padding suffixes. */
  suffix: [string, string];
  /** `<lower>@bookTicker` and the depth topics, built once (checked on every step). */
  tickerTopic: string;
  depthTopics: string[];
  /** COIN-M pair (`BTCUSD`) and contract type; spot/USD-M: the native id and PERPETUAL. */
  pair: string;
  contractType: string;
  delivery: number | undefined;
}

/** A symbol's state before its first event: ids from the market's change id `startId` (wire ids offset by `baseOff`). */
export function binanceSym(v: Variant, spec: SimSymbolSpec, startId: number, baseOff: number, skip: () => number): BinanceSym {
  const { base, quote } = splitUnified(spec.symbol);
  const cm = v.coinM ? coinMNative(spec.symbol) : undefined;
  const native = cm?.native ?? `${base}${quote}`.toUpperCase();
  return {
    spec,
    native,
    lower: native.toLowerCase(),
    pending: undefined,
    lastEmitted: startId,
    ids: new EventIds(startId, baseOff, skip),
    lastTop: '',
    lastBest: undefined,
    suffix: wireSuffixes(spec, v.wireDecimals),
    tickerTopic: `${native.toLowerCase()}@bookTicker`,
    depthTopics: v.depthTopics.map((t) => native.toLowerCase() + t),
    pair: cm?.pair ?? native,
    contractType: cm?.contractType ?? 'PERPETUAL',
    delivery: cm?.delivery,
  };
}

/** Wire suffixes that right-pad a symbol's prices / sizes to `wireDecimals` (spot: 8) by concatenation. */
function wireSuffixes(spec: SimSymbolSpec, wireDecimals: number | undefined): [string, string] {
  const d = wireDecimals;
  if (d === undefined) return ['', ''];
  const suf = (have: number): string => (have === 0 ? '.' : '') + '0'.repeat(Math.max(0, d - have));
  return [suf(spec.tickDecimals), suf(spec.lotDecimals)];
}

/** Levels padded to the wire decimals (the same array when there is nothing to pad). */
export function padLevels(levels: readonly Level[], s: BinanceSym): Level[] {
  const [ps, ss] = s.suffix;
  if (ps === '' && ss === '') return levels as Level[];
  const out = new Array<Level>(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as Level;
    out[i] = [l[0] + ps, l[1] + ss];
  }
  return out;
}
