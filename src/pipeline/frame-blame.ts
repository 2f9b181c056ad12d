/**
 * Which books an unreadable frame may have carried. Pure. A frame that cannot be parsed (truncated JSON, binary
 * garbage) still names its market in most protocols (`"topic":"orderbook.50.BTCUSDT"`, `"product_id":"BTC-USD"`),
 * so the market ids of the connection that appear in it as whole tokens are the books it hit.
 */

/** Characters that may be part of a market id: a match next to one of these is part of a longer id. */
function isIdChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 45 || // -
    code === 95 // _
  );
}

/** Does `frame` contain `market` as a whole token (not inside a longer id, e.g. `BTC-USD` in `BTC-USDT`)? */
export function namesMarket(frame: string, market: string): boolean {
  if (market.length === 0) return false;
  let from = 0;
  // bounded: every iteration advances `from` past a match
  for (;;) {
    const i = frame.indexOf(market, from);
    if (i < 0) return false;
    const before = i === 0 ? -1 : frame.charCodeAt(i - 1);
    const end = i + market.length;
    const after = end >= frame.length ? -1 : frame.charCodeAt(end);
    if (!(before >= 0 && isIdChar(before)) && !(after >= 0 && isIdChar(after))) return true;
    from = i + 1;
  }
}

/** The markets of `candidates` that `frame` names. */
export function marketsNamedIn(frame: string, candidates: Iterable<string>): string[] {
  const out: string[] = [];
  for (const m of candidates) if (namesMarket(frame, m)) out.push(m);
  return out;
}
