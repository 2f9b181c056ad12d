/**
 * Kraken Spot WebSocket v2 (`wss://ws.kraken.com/v2`): `book` (snapshot then updates, CRC32 over the top 10 on
 * every message), `ticker` with `event_trigger: "bbo"` (so pure best bid/ask changes are not missed), `trade`.
 * No sequence numbers: the checksum is the only continuity check, and a broken book is resubscribed.
 */
import type { OrderBook } from '../../book/order-book.js';
import type { Channel, DefaultChannel } from '../../schema/events.js';
import type {
  AdapterContext,
  BookRules,
  DeltaMessage,
  Endpoints,
  ExchangeAdapter,
  Instrument,
  RestRequest,
  StreamRef,
} from '../types.js';
import { bookChecksum, KRAKEN_CHECKSUM_DEPTH } from './checksum.js';
import { parseKrakenFrame } from './parse.js';
import { toV2Symbol, v2Asset } from './symbols.js';
import { z } from 'zod';
import { decimalFact, stepOfDecimals, withFacts } from '../instrument-facts.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

/** Book depths Kraken v2 accepts. */
export const KRAKEN_BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;

/** The smallest allowed depth ≥ the requested one (capped at 1000). */
export function krakenDepth(requested: number): number {
  for (const d of KRAKEN_BOOK_DEPTHS) if (d >= requested) return d;
  return 1000;
}

const WIRE_CHANNEL: Readonly<Record<DefaultChannel, string>> = { book: 'book', ticker: 'ticker', trades: 'trade' };
/** Symbols per subscribe message (Kraken acks each symbol separately; the cap keeps frames small). */
const SYMBOLS_PER_MESSAGE = 50;

function requests(
  method: 'subscribe' | 'unsubscribe',
  streams: readonly StreamRef[],
  ctx: AdapterContext,
  nextId: () => number,
): string[] {
  const byChannel = new Map<Channel, string[]>();
  for (const s of streams) {
    const list = byChannel.get(s.channel) ?? [];
    if (!list.includes(s.market)) list.push(s.market);
    byChannel.set(s.channel, list);
  }
  const out: string[] = [];
  for (const [channel, markets] of byChannel) {
    for (let i = 0; i < markets.length; i += SYMBOLS_PER_MESSAGE) {
      const params: Record<string, unknown> = { channel: WIRE_CHANNEL[channel as DefaultChannel], symbol: markets.slice(i, i + SYMBOLS_PER_MESSAGE) };
      if (channel === 'book') params['depth'] = krakenDepth(ctx.bookDepth);
      if (method === 'subscribe') {
        if (channel === 'book') params['snapshot'] = true;
        if (channel === 'ticker') params['event_trigger'] = 'bbo';
        // no replay of the last 50 trades on every (re)subscribe: they would be emitted again as new trades
        if (channel === 'trades') params['snapshot'] = false;
      }
      out.push(JSON.stringify({ method, params, req_id: nextId() }));
    }
  }
  return out;
}

/** REST `/0/public/AssetPairs` (reference data: `wsname`, `pair_decimals`, `lot_decimals`, `status`). */
const AssetPair = z.object({
  /** v1/WS name, legacy codes: `XBT/USD`. Absent for pairs not on WebSocket. */
  wsname: z.string().optional(),
  /** Price decimals. */
  pair_decimals: z.number().int(),
  /** Volume decimals. */
  lot_decimals: z.number().int(),
  /** `online` | `cancel_only` | `post_only` | `limit_only` | `reduce_only` | `delisted`… (absent in old captures). */
  status: z.string().optional(),
  /** Price increment; minimum order volume (base); minimum order cost (quote). Absent in old captures. */
  tick_size: z.string().optional(),
  ordermin: z.string().optional(),
  costmin: z.string().optional(),
});
const AssetPairsBody = z.object({ error: z.array(z.string()), result: z.record(z.string(), z.unknown()) });

function parseAssetPairs(body: string): Instrument[] {
  const parsed = AssetPairsBody.parse(JSON.parse(body));
  if (parsed.error.length > 0) throw new Error(`Kraken AssetPairs error: ${parsed.error.join('; ')}`);
  const out: Instrument[] = [];
  for (const value of Object.values(parsed.result)) {
    const r = AssetPair.safeParse(value);
    if (!r.success || r.data.wsname === undefined) continue;
    const [b, q] = r.data.wsname.split('/');
    if (b === undefined || q === undefined) continue;
    const base = v2Asset(b);
    const quote = v2Asset(q);
    const market = `${base}/${quote}`;
    const inst: Instrument = {
      market,
      symbol: market,
      base,
      quote,
      trading: r.data.status === undefined || r.data.status === 'online',
      pricePrecision: r.data.pair_decimals,
      qtyPrecision: r.data.lot_decimals,
    };
    out.push(
      withFacts(inst, {
        status: r.data.status,
        kind: 'spot',
        tickSize: decimalFact(r.data.tick_size),
        // volumes have exactly lot_decimals decimals: the step is 10^-lot_decimals
        lotSize: stepOfDecimals(r.data.lot_decimals),
        minSize: decimalFact(r.data.ordermin),
        minNotional: decimalFact(r.data.costmin),
      }),
    );
  }
  return out;
}

export const krakenBookRules: BookRules = {
  integrity: 'checksum',
  snapshot: 'inband',
  resync: 'resubscribe',
  // no update ids on Kraken: every message applies; the checksum catches loss
  first: () => 'apply',
  next: () => 'apply',
  verifyChecksum(book: OrderBook, msg: DeltaMessage): boolean | undefined {
    if (msg.checksum === undefined) return undefined;
    return bookChecksum(book) === msg.checksum;
  },
  checksumDepth: KRAKEN_CHECKSUM_DEPTH,
  truncateTo: (subscribedDepth: number) => krakenDepth(subscribedDepth),
};

export const krakenAdapter: ExchangeAdapter = {
  id: 'kraken',
  defaultEndpoints: DEFAULT_ENDPOINTS.kraken,
  wsUrl: (e: Endpoints) => `${e.ws.replace(/\/+$/, '')}/v2`,
  limits: {
    // Kraken publishes no per-connection subscription cap; its message rate limit is dynamic (UNVERIFIED)
    maxStreamsPerConnection: 200,
    controlMessagesPerSecond: 5,
  },
  keepalive: {
    // heartbeat ~1/s whenever nothing else is sent, so 5 s of quiet is already suspicious (Kraken's reconnection
    // guide suggests a ~5 s deadline): ping then, and give up at 10 s without any frame
    staleAfterMs: 10_000,
    ping: { intervalMs: 5_000, kind: 'text', message: (n) => JSON.stringify({ method: 'ping', req_id: n }) },
    pongTimeoutMs: 5_000,
  },
  instrumentsRequest: (): RestRequest => ({ path: '/0/public/AssetPairs', weight: 1 }),
  parseInstruments: parseAssetPairs,
  toMarket: toV2Symbol,
  subscribe: (streams, ctx, nextId) => requests('subscribe', streams, ctx, nextId),
  unsubscribe: (streams, ctx, nextId) => requests('unsubscribe', streams, ctx, nextId),
  parse: parseKrakenFrame,
  book: krakenBookRules,
};
