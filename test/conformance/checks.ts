/**
 * Frame-level checks of the conformance suite, independent of any one exchange: every decimal an adapter returns is
 * spelled in the frame exactly as it returns it, and one digit of a frame can be changed in place.
 */
import type { WireMessage } from '../../src/exchanges/types.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `value` written in `frame` as a whole token: not a piece of a longer number (`1.5` in `11.50` does not count). */
export function bounded(value: string): RegExp {
  return new RegExp(`(?<![0-9.eE+-])${escape(value)}(?![0-9.eE])`);
}

/** Whether `message` names `market` as a whole id (`BTCUSDT` in `tickers.BTCUSDT`, not `BTC-USDT` in `BTC-USDT-SWAP`). */
export function names(message: string, market: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9_/-])${escape(market)}(?![A-Za-z0-9_/-])`, 'i').test(message); // Binance writes ids in lower case
}

/** The decimal strings a message carries (prices, sizes, ticker values), with where they come from. */
export function decimalsOf(m: WireMessage): Array<[where: string, value: string]> {
  switch (m.kind) {
    case 'book':
      return (['bids', 'asks'] as const).flatMap((side) => m[side].flatMap((l, i): Array<[string, string]> => [[`${side}[${i}].price`, l[0]], [`${side}[${i}].size`, l[1]]]));
    case 'trade':
      return [['price', m.price], ['size', m.size]];
    case 'ticker':
      return Object.entries(m.fields).flatMap(([k, v]): Array<[string, string]> => (typeof v === 'string' ? [[k, v]] : []));
    default:
      return [];
  }
}

const NUMBER_CHAR = /[0-9.eE+-]/;

/** Whether `frame` holds `value` as a whole number token (the fast form of `bounded(value).test(frame)`). */
export function holdsToken(frame: string, value: string): boolean {
  for (let at = frame.indexOf(value); at >= 0; at = frame.indexOf(value, at + 1)) {
    const before = at === 0 ? '' : frame[at - 1]!;
    const after = frame[at + value.length] ?? '';
    if (!NUMBER_CHAR.test(before) && !/[0-9.eE]/.test(after)) return true;
  }
  return false;
}

/**
 * Decimals of `msgs` that `frame` does not spell exactly (a lossy conversion: through a float, a trimmed zero, an
 * exponent). A zero size may be written `"0"` for any spelling of zero on the wire (removals are normalised).
 */
export function notVerbatim(frame: string, msgs: readonly WireMessage[]): string[] {
  const out: string[] = [];
  for (const m of msgs) {
    for (const [where, v] of decimalsOf(m)) {
      if (!/^-?\d+(\.\d+)?$/.test(v)) out.push(`${m.kind} ${where}: ${JSON.stringify(v)} is not a plain decimal string`);
      else if (!holdsToken(frame, v) && !(v === '0' && where.endsWith('size'))) out.push(`${m.kind} ${where}: ${v} is not in the frame`);
    }
  }
  return out;
}

/** `frame` with the last whole-token `value` replaced by `to`; undefined when there is none. */
export function replaceLastToken(frame: string, value: string, to: string): string | undefined {
  const all = [...frame.matchAll(new RegExp(bounded(value).source, 'g'))];
  const at = all.at(-1)?.index;
  return at === undefined ? undefined : frame.slice(0, at) + to + frame.slice(at + value.length);
}

/** `d` with its last digit changed (9 → 8, any other → +1); never turns a nonzero value into zero. */
export function bumpLastDigit(d: string): string {
  const last = d.at(-1)!;
  return d.slice(0, -1) + (last === '9' ? '8' : String(Number(last) + 1));
}

/**
 * `frame` with the first whole-token `value` at or after `from` (an index, e.g. of the level's price) replaced by
 * `to`; undefined when there is none.
 */
export function replaceToken(frame: string, value: string, to: string, from = 0): string | undefined {
  const m = bounded(value).exec(frame.slice(from));
  if (m === null) return undefined;
  const at = from + m.index;
  return frame.slice(0, at) + to + frame.slice(at + value.length);
}
