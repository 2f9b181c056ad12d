/**
 * What Binance spot, USD-M and COIN-M futures share: combined streams, SUBSCRIBE messages, the frame parser,
 * exchangeInfo and REST depth bodies. Each market's own facts (URLs, limits, book rules, stream names) live in
 * index.ts / futures.ts / delivery.ts.
 */
import { z } from 'zod';
import { TwError } from '../../errors.js';
import type { Channel, ExchangeId } from '../../schema/events.js';
import type {
  AdapterContext,
  BookRules,
  Endpoints,
  ExchangeAdapter,
  Instrument,
  KeepaliveSpec,
  ParserOptions,
  RestRequest,
  RestSnapshot,
  StreamRef,
  WireMessage,
} from '../types.js';
import { BinanceParser, parseBinanceFrame } from './parse.js';
import { DepthScanner } from './scan.js';
import { ExchangeInfo, OpenInterest, PLAIN_DECIMAL, RestDepth } from './wire.js';
import { canonicalDecimal } from '../../book/decimal-string.js';
import { decimalFact, msToMicros, withFacts } from '../instrument-facts.js';

/** Params per SUBSCRIBE / UNSUBSCRIBE message. */
export const MAX_PARAMS_PER_MESSAGE = 200;

export interface BinanceSpec {
  /** REQUEST_WEIGHT limit per minute (exchangeInfo `rateLimits`). */
  restWeightPerMinute: number;
  id: ExchangeId;
  defaultEndpoints: Endpoints;
  /** Path of the combined-stream endpoint (`/stream`, futures `/public/stream`). */
  wsPath: string;
  controlMessagesPerSecond: number;
  keepalive: KeepaliveSpec;
  instrumentsPath: string;
  instrumentsWeight: number;
  /** Map an exchangeInfo entry to a unified symbol, or undefined to leave it out. */
  unifiedSymbol(base: string, quote: string, market: string, contractType: string | undefined): string | undefined;
  toMarket(symbol: string): string;
  book: BookRules;
  /** Trade stream suffix: `@trade` (spot, USD-M) or `@aggTrade` (COIN-M has no raw trade stream). Default `@trade`. */
  tradeStream?: '@trade' | '@aggTrade';
  /** The channels offered (default ticker, book, trades). `derivative`/`liquidations` need `@markPrice`/`@forceOrder` on the connected path. */
  channels?: readonly Channel[];
  /** Open interest over REST (`/fapi/v1/openInterest`, `/dapi/v1/openInterest`, weight 1), merged into `derivative`. */
  openInterest?: { path: string; weight: number; unit: 'contracts' | 'base' };
  /** Facts of a COIN-M contract: sizes are contracts of `contractSize` quote units. */
  contractSizes?: boolean;
}

/** Exchange stream names for one tickwire stream (the ticker merges `@bookTicker` with the 24 h `@ticker`). */
export function streamNames(ref: StreamRef, tradeStream: '@trade' | '@aggTrade' = '@trade'): string[] {
  const s = ref.market.toLowerCase();
  switch (ref.channel) {
    case 'ticker':
      return [`${s}@bookTicker`, `${s}@ticker`];
    case 'book':
      return [`${s}@depth@100ms`];
    case 'trades':
      return [`${s}${tradeStream}`];
    case 'derivative':
      // mark, index, funding every second; open interest is REST-only (polled: `openInterest` below)
      return [`${s}@markPrice@1s`];
    case 'liquidations':
      return [`${s}@forceOrder`];
  }
}

function requests(
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE',
  streams: readonly StreamRef[],
  nextId: () => number,
  tradeStream: '@trade' | '@aggTrade' | undefined,
): string[] {
  const params = streams.flatMap((ref) => streamNames(ref, tradeStream));
  const out: string[] = [];
  for (let i = 0; i < params.length; i += MAX_PARAMS_PER_MESSAGE)
    out.push(JSON.stringify({ method, params: params.slice(i, i + MAX_PARAMS_PER_MESSAGE), id: nextId() }));
  return out;
}

/** Decimal places of a tick/step size string (`"0.01000000"` → 2, `"1.00000000"` → 0). */
function decimals(step: string | undefined): number | undefined {
  if (step === undefined) return undefined;
  const c = canonicalDecimal(step);
  const dot = c.indexOf('.');
  return dot === -1 ? 0 : c.length - dot - 1;
}

export function parseExchangeInfo(body: string, spec: Pick<BinanceSpec, 'unifiedSymbol' | 'contractSizes'>): Instrument[] {
  const info = ExchangeInfo.parse(JSON.parse(body));
  const out: Instrument[] = [];
  for (const s of info.symbols) {
    const symbol = spec.unifiedSymbol(s.baseAsset, s.quoteAsset, s.symbol, s.contractType);
    if (symbol === undefined) continue;
    const status = s.status ?? s.contractStatus;
    const inst: Instrument = { market: s.symbol, symbol, base: s.baseAsset, quote: s.quoteAsset, trading: status === 'TRADING' };
    const filter = (type: string) => s.filters.find((f) => f.filterType === type);
    const tick = filter('PRICE_FILTER')?.tickSize;
    const lot = filter('LOT_SIZE');
    const price = decimals(tick);
    const qty = decimals(lot?.stepSize);
    if (price !== undefined) inst.pricePrecision = price;
    if (qty !== undefined) inst.qtyPrecision = qty;
    const futures = s.contractType !== undefined;
    const dated = futures && s.contractType !== 'PERPETUAL' && s.contractType !== '';
    // COIN-M: sizes are contracts, each worth `contractSize` of the quote currency (USD)
    const contracts = spec.contractSizes === true && s.contractSize !== undefined;
    withFacts(inst, {
      status,
      contractValue: contracts ? decimalFact(s.contractSize) : undefined,
      contractValueCurrency: contracts ? s.quoteAsset : undefined,
      sizeUnit: contracts ? 'contracts' : undefined,
      kind: !futures ? 'spot' : s.contractType === 'PERPETUAL' ? 'perpetual' : dated ? 'future' : undefined,
      settle: futures ? s.marginAsset : undefined,
      tickSize: decimalFact(tick),
      lotSize: decimalFact(lot?.stepSize),
      minSize: decimalFact(lot?.minQty),
      minNotional: decimalFact(filter('NOTIONAL')?.minNotional ?? filter('MIN_NOTIONAL')?.minNotional ?? filter('MIN_NOTIONAL')?.notional),
      expiry: dated ? msToMicros(s.deliveryDate) : undefined,
    });
    out.push(inst);
  }
  return out;
}

/** REST depth body → snapshot. An error body (`{"code":-1121,"msg":"Invalid symbol."}`) throws TW_ERR_EXCHANGE_ERROR. */
export function parseDepthSnapshot(body: string): RestSnapshot {
  const v: unknown = JSON.parse(body);
  let d: RestDepthBody;
  if (isRestDepth(v)) d = v;
  else {
    const r = RestDepth.safeParse(v);
    if (!r.success) {
      if (typeof v === 'object' && v !== null && 'code' in v && 'msg' in v)
        throw new TwError('TW_ERR_EXCHANGE_ERROR', `Binance error ${String(v.code)}: ${String(v.msg)}`);
      throw new TwError('TW_ERR_MALFORMED_FRAME', `malformed depth snapshot: ${r.error.message}`);
    }
    d = r.data;
  }
  const snap: RestSnapshot = { updateId: d.lastUpdateId, bids: d.bids, asks: d.asks };
  if (d.E !== undefined) snap.exchangeTime = d.E * 1000;
  return snap;
}

type RestDepthBody = z.output<typeof RestDepth>;

/**
 * What `RestDepth` accepts, checked in place: zod would copy the 2 × 1000 levels of every snapshot (and its parse
 * allocates several times that), which at start-up, with many books syncing at once, is what makes V8 grow its young
 * generation for good. zod stays the oracle (tests compare both on real and simulated bodies) and reports what is
 * wrong with a body this check declines.
 */
export function isRestDepth(v: unknown): v is RestDepthBody {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(o.lastUpdateId) &&
    (o.E === undefined || Number.isSafeInteger(o.E)) &&
    (o.T === undefined || Number.isSafeInteger(o.T)) &&
    isLevels(o.bids) &&
    isLevels(o.asks)
  );
}

function isLevels(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const l: unknown = v[i];
    if (!Array.isArray(l) || l.length !== 2) return false;
    const p: unknown = l[0];
    const q: unknown = l[1];
    if (typeof p !== 'string' || typeof q !== 'string' || !PLAIN_DECIMAL.test(p) || !PLAIN_DECIMAL.test(q)) return false;
  }
  return true;
}

/** `rateLimits` REQUEST_WEIGHT per minute from an exchangeInfo body. */
export function parseRestWeightLimit(body: string): number | undefined {
  const r = RateLimits.safeParse(JSON.parse(body));
  if (!r.success) return undefined;
  for (const l of r.data.rateLimits ?? []) {
    if (l.rateLimitType === 'REQUEST_WEIGHT' && l.interval === 'MINUTE') return Math.floor(l.limit / (l.intervalNum ?? 1));
  }
  return undefined;
}

const RateLimits = z.object({
  rateLimits: z
    .array(z.object({ rateLimitType: z.string(), interval: z.string(), intervalNum: z.number().optional(), limit: z.number() }))
    .optional(),
});

/** REST open interest body → a derivative message (`unit`: COIN-M counts contracts, USD-M the base asset). */
export function parseOpenInterest(body: string, unit: 'contracts' | 'base'): WireMessage[] {
  const v: unknown = JSON.parse(body);
  const r = OpenInterest.safeParse(v);
  if (!r.success) {
    if (typeof v === 'object' && v !== null && 'code' in v && 'msg' in v)
      throw new TwError('TW_ERR_EXCHANGE_ERROR', `Binance error ${String(v.code)}: ${String(v.msg)}`);
    throw new TwError('TW_ERR_MALFORMED_FRAME', `malformed open interest: ${r.error.message}`);
  }
  const d = r.data;
  return [{ kind: 'derivative', market: d.symbol, exchangeTime: d.time * 1000, fields: { openInterest: d.openInterest, openInterestUnit: unit } }];
}

export function makeBinanceAdapter(spec: BinanceSpec): ExchangeAdapter {
  const oi = spec.openInterest;
  return {
    id: spec.id,
    defaultEndpoints: spec.defaultEndpoints,
    wsUrl: (endpoints: Endpoints) => `${endpoints.ws.replace(/\/+$/, '')}${spec.wsPath}`,
    limits: {
      // 1024 exchange streams per connection; a ticker takes two (`@bookTicker` + `@ticker`)
      maxStreamsPerConnection: 512,
      controlMessagesPerSecond: spec.controlMessagesPerSecond,
      restWeightPerMinute: spec.restWeightPerMinute,
      restUsedWeightHeader: 'x-mbx-used-weight-1m',
    },
    keepalive: spec.keepalive,
    instrumentsRequest: (): RestRequest => ({ path: spec.instrumentsPath, weight: spec.instrumentsWeight }),
    parseInstruments: (body: string) => parseExchangeInfo(body, spec),
    parseRestWeightLimit,
    toMarket: spec.toMarket,
    subscribe: (streams: readonly StreamRef[], _ctx: AdapterContext, nextId: () => number) => requests('SUBSCRIBE', streams, nextId, spec.tradeStream),
    unsubscribe: (streams: readonly StreamRef[], _ctx: AdapterContext, nextId: () => number) =>
      requests('UNSUBSCRIBE', streams, nextId, spec.tradeStream),
    ...(spec.channels ? { channels: spec.channels } : {}),
    ...(oi
      ? {
          pollRequest: (market: string): RestRequest => ({ path: `${oi.path}?symbol=${encodeURIComponent(market)}`, weight: oi.weight }),
          parsePoll: (body: string) => parseOpenInterest(body, oi.unit),
        }
      : {}),
    // a parser owns its scanner (the runtime makes one); `parse` alone scans with a fresh one
    newParser: (opts?: ParserOptions) => new BinanceParser(opts),
    parse: (frame: string, _ctx, bytes) => parseBinanceFrame(new DepthScanner(), frame, bytes),
    book: spec.book,
  };
}
