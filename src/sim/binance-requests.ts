/**
 * Binance WebSocket requests in the simulator (docs/protocols/binance.md): the paths and the streams a connection's URL
 * names, the stream names a client may ask for, and its JSON commands — SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS,
 * SET_PROPERTY, GET_PROPERTY — with their acks and `{"error":…}` replies.
 */
import * as R from './binance-render.js';
import type { Variant } from './binance-variants.js';
import type { SimConnection } from './sim-connection.js';

export const STREAM_RE =
  /^[a-z0-9_]+@(depth(@(100|250|500|1000)ms)?|depth(5|10|20)(@(100|250|500|1000)ms)?|bookTicker|ticker|miniTicker|trade|aggTrade|markPrice(@1s)?|forceOrder|kline_\w+)$|^!(ticker@arr|miniTicker@arr|bookTicker)$/;
export const MAX_STREAMS = 1024;

/** Is this a stream path of the variant (combined, raw, raw with streams; USD-M's `/market` ones too)? */
export function isStreamPath(v: Variant, url: URL): boolean {
  const p = url.pathname;
  const m = v.market;
  const on = (combined: string, raw: string): boolean => p === combined || p === raw || p.startsWith(`${raw}/`);
  return on(v.combinedPath, v.rawPath) || (m !== undefined && on(m.combinedPath, m.rawPath));
}

/** What a connection's URL asks for: USD-M's `/market` family or not, the mode, the streams it names (unchecked). */
export function urlStreams(v: Variant, url: URL): { market: boolean; mode: 'combined' | 'raw'; streams: string[] } {
  const p = url.pathname;
  const m = v.market;
  const market = m !== undefined && (p === m.combinedPath || p === m.rawPath || p.startsWith(`${m.rawPath}/`));
  const paths = market ? m : v;
  if (p === paths.combinedPath) return { market, mode: 'combined', streams: (url.searchParams.get('streams') ?? '').split('/') };
  return { market, mode: 'raw', streams: p.slice(paths.rawPath.length + 1).split('/') };
}

/** How a command changes a connection's streams. */
export interface StreamSubscriptions {
  subscribe(conn: SimConnection, stream: string): void;
  unsubscribe(conn: SimConnection, stream: string): void;
}

/** Answer one text message of a client: a command, or an error for anything else. */
export function binanceCommand(conn: SimConnection, text: string, streams: StreamSubscriptions): void {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    conn.sendControl(R.wsError(3, 'Invalid JSON: expected value at line 1 column 1', 'null'));
    return;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    conn.sendControl(R.wsError(3, 'Invalid JSON: expected an object', 'null'));
    return;
  }
  const m = msg as Record<string, unknown>;
  const id = m['id'];
  const idJson = typeof id === 'number' || typeof id === 'string' ? JSON.stringify(id) : 'null';
  const method = m['method'];
  const params = m['params'];
  const streamList = (): string[] | undefined =>
    Array.isArray(params) && params.every((x): x is string => typeof x === 'string') ? params : undefined;
  switch (method) {
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE': {
      const list = streamList();
      if (!list || list.some((st) => !STREAM_RE.test(st))) {
        conn.sendControl(R.wsError(2, 'Invalid request: invalid stream', idJson));
        return;
      }
      if (method === 'SUBSCRIBE') {
        const added = list.filter((st) => !conn.topics.has(st)).length;
        if (conn.topics.size + added > MAX_STREAMS) {
          conn.sendControl(R.wsError(2, `Invalid request: more than ${MAX_STREAMS} streams`, idJson));
          return;
        }
        for (const st of list) streams.subscribe(conn, st);
      } else {
        for (const st of list) streams.unsubscribe(conn, st);
      }
      conn.sendControl(R.ack(idJson));
      return;
    }
    case 'LIST_SUBSCRIPTIONS':
      conn.sendControl(R.ack(idJson, JSON.stringify([...conn.topics])));
      return;
    case 'SET_PROPERTY': {
      const list = Array.isArray(params) ? params : [];
      if (list[0] === 'combined' && typeof list[1] === 'boolean') {
        conn.mode = list[1] ? 'combined' : 'raw';
        conn.sendControl(R.ack(idJson));
      } else conn.sendControl(R.wsError(2, 'Invalid request: invalid property', idJson));
      return;
    }
    case 'GET_PROPERTY':
      conn.sendControl(R.ack(idJson, conn.mode === 'combined' ? 'true' : 'false'));
      return;
    default:
      conn.sendControl(
        R.wsError(
          2,
          `Invalid request: unknown variant \`${String(method)}\`, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``,
          idJson,
        ),
      );
  }
}
