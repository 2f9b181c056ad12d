/**
 * Kraken v2 subscription requests in the simulator (docs/protocols/kraken.md): what a `subscribe` / `unsubscribe`
 * asks for (or the error reply it gets instead), the topic each of its symbols is published on, and its ack's result.
 */
import { methodError, type readCommand } from './kraken-render.js';

const DEPTHS = [10, 25, 100, 500, 1000];

/** One `subscribe` / `unsubscribe` request. */
export interface Sub {
  channel: string;
  symbols: string[];
  depth: number;
  snapshot: boolean;
  reqId: number | undefined;
}

/** The subscription a `subscribe` / `unsubscribe` command asks for, or the error frame to answer instead. */
export function readSub(cmd: NonNullable<ReturnType<typeof readCommand>>, now: number): Sub | string {
  const channel = cmd.params['channel'];
  const symbols = cmd.params['symbol'];
  if (typeof channel !== 'string' || !['book', 'ticker', 'trade'].includes(channel) || !Array.isArray(symbols)) {
    return methodError(cmd.method, 'Invalid channel or symbol', undefined, cmd.reqId, now);
  }
  const depth = cmd.params['depth'] ?? 10;
  if (channel === 'book' && (typeof depth !== 'number' || !DEPTHS.includes(depth))) {
    return methodError(cmd.method, 'Invalid depth', undefined, cmd.reqId, now);
  }
  return {
    channel,
    symbols: symbols.filter((s): s is string => typeof s === 'string'),
    depth: typeof depth === 'number' ? depth : 10,
    snapshot: cmd.params['snapshot'] !== false,
    reqId: cmd.reqId,
  };
}

/** The topic `symbol` of `sub` is published on: `book:<depth>:<symbol>`, `ticker:<symbol>`, `trade:<symbol>`. */
export function subTopic(sub: Sub, symbol: string): string {
  return sub.channel === 'book' ? `book:${sub.depth}:${symbol}` : `${sub.channel}:${symbol}`;
}

/** The `result` object (its fields, without braces) of the ack of `symbol`'s (un)subscription. */
export function resultJson(sub: Sub, symbol: string, subscribing: boolean): string {
  const sym = `"symbol":${JSON.stringify(symbol)}`;
  if (sub.channel === 'book') return `"channel":"book","depth":${sub.depth}${subscribing ? `,"snapshot":${sub.snapshot}` : ''},${sym}`;
  if (sub.channel === 'ticker') return `"channel":"ticker"${subscribing ? ',"event_trigger":"bbo","snapshot":true' : ''},${sym}`;
  return `"channel":"trade"${subscribing ? `,"snapshot":${sub.snapshot}` : ''},${sym}`;
}
