/**
 * Gate.io spot v4 (docs/protocols/gateio.md): exchange id `gateio`, native pairs `BTC_USDT`.
 *
 * - book: `spot.order_book_update` (`[pair, "100ms"]`, or `"20ms"` for a book of at most 20 levels) + REST
 *   `/api/v4/spot/order_book?…&with_id=true` (rules in book.ts);
 * - ticker: `spot.tickers` (last, 24 h stats) merged with `spot.book_ticker` (best bid/ask with sizes);
 * - trades: `spot.trades`.
 * Every request carries `time` (epoch seconds, from the pipeline's clock `ctx.nowMs`; Gate documents it as required)
 * and an `id` that replies echo.
 */
import { TwError } from '../../errors.js';
import type { AdapterContext, ExchangeAdapter, Instrument, StreamRef } from '../types.js';
import { bookChannelFor, gateioBookRules } from './book.js';
import { parseGateioFrame } from './parse.js';
import { CurrencyPairs } from './wire.js';
import { decimalFact, stepOfDecimals, withFacts } from '../instrument-facts.js';
import { chunk, groupNames } from '../wire-read.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

/** Pairs per `spot.tickers` / `spot.book_ticker` / `spot.trades` request (the order book takes one per request). */
const PAIRS_PER_REQUEST = 50;

export interface GateioAdapterOptions {
  /** Clock for `time` (epoch ms) where the context gives none (`ctx.nowMs`, the pipeline's), and in pings. Default Date.now. */
  now?: () => number;
}

/** Gate channels of one tickwire stream with the payload each takes (a ticker takes `spot.tickers` and `spot.book_ticker`). */
function requests(streams: readonly StreamRef[], ctx: AdapterContext): { channel: string; payload: string[] }[] {
  const interval = bookChannelFor(ctx.bookDepth).interval;
  const books = streams.filter((s) => s.channel === 'book').map((s) => ({ channel: 'spot.order_book_update', payload: [s.market, interval] }));
  const listed = streams.flatMap((s) => (s.channel === 'trades' ? [{ ...s, gate: 'spot.trades' }] : s.channel === 'book' ? [] : ['spot.tickers', 'spot.book_ticker'].map((gate) => ({ ...s, gate }))));
  const lists = [...groupNames(listed, (s) => s.gate, (s) => s.market)];
  // the list channels in the order they first appear: tickers before book_ticker, as Gate's docs list them
  return [...books, ...lists.flatMap(([channel, markets]) => chunk(markets, PAIRS_PER_REQUEST).map((payload) => ({ channel, payload })))];
}

export function parseCurrencyPairs(body: string): Instrument[] {
  const parsed = CurrencyPairs.safeParse(JSON.parse(body));
  if (!parsed.success) throw new TwError('TW_ERR_MALFORMED_FRAME', 'gateio currency_pairs: unexpected shape');
  return parsed.data.map((p): Instrument => {
    const inst: Instrument = {
      market: p.id,
      symbol: `${p.base}/${p.quote}`,
      base: p.base,
      quote: p.quote,
      // `buyable` / `sellable` pairs still have a live book; only `untradable` ones are refused
      trading: p.trade_status !== 'untradable',
    };
    if (p.precision !== undefined) inst.pricePrecision = p.precision;
    if (p.amount_precision !== undefined) inst.qtyPrecision = p.amount_precision;
    // prices and amounts carry exactly `precision` / `amount_precision` decimals: the steps are 10^-those
    return withFacts(inst, {
      status: p.trade_status,
      kind: 'spot',
      tickSize: stepOfDecimals(p.precision),
      lotSize: stepOfDecimals(p.amount_precision),
      minSize: decimalFact(p.min_base_amount),
      minNotional: decimalFact(p.min_quote_amount),
    });
  });
}

export function createGateioAdapter(options: GateioAdapterOptions = {}): ExchangeAdapter {
  const now = options.now ?? Date.now;
  const messages = (event: 'subscribe' | 'unsubscribe', streams: readonly StreamRef[], ctx: AdapterContext, nextId: () => number): string[] =>
    requests(streams, ctx).map((r) =>
      JSON.stringify({ time: Math.floor((ctx.nowMs ?? now)() / 1000), id: nextId(), channel: r.channel, event, payload: r.payload }),
    );
  return {
    id: 'gateio',
    defaultEndpoints: DEFAULT_ENDPOINTS.gateio,
    wsUrl: (endpoints) => `${endpoints.ws.replace(/\/+$/, '')}/ws/v4/`,
    limits: {
      // no per-connection cap is documented; a ticker takes two channels
      maxStreamsPerConnection: 100,
      controlMessagesPerSecond: 5,
      // public REST endpoints: 200 requests per 10 s per endpoint and IP
      restWeightPerMinute: 1200,
    },
    keepalive: {
      // the server pings at the protocol level; `spot.ping` (answered by `spot.pong`) proves the path both ways
      ping: { intervalMs: 15_000, kind: 'text', message: () => `{"time":${Math.floor(now() / 1000)},"channel":"spot.ping"}` },
      pongTimeoutMs: 10_000,
      staleAfterMs: 30_000,
    },
    instrumentsRequest: () => ({ path: '/api/v4/spot/currency_pairs', weight: 1 }),
    parseInstruments: parseCurrencyPairs,
    toMarket: (symbol) => symbol.replace('/', '_').toUpperCase(),
    subscribe: (streams, ctx, nextId) => messages('subscribe', streams, ctx, nextId),
    unsubscribe: (streams, ctx, nextId) => messages('unsubscribe', streams, ctx, nextId),
    parse: (frame) => parseGateioFrame(frame),
    book: gateioBookRules,
  };
}

export const gateioAdapter: ExchangeAdapter = createGateioAdapter();
