/**
 * OKX v5 public market data (docs/protocols/okx.md): `okx` (spot, `BTC-USDT`) and `okx-swap` (perpetual swaps,
 * `BTC-USDT-SWAP`) — two exchange ids sharing this module, so a unified symbol never collides across markets.
 *
 * Swap sizes (books, trades, ticker sizes) are contracts: `Instrument.contractValue` carries `ctVal` (one contract =
 * ctVal units of the base currency on linear swaps, of the quote currency on inverse ones) so users can convert.
 */
import { TwError } from '../../errors.js';
import { DEFAULT_CHANNELS, type DefaultChannel } from '../../schema/events.js';
import type { AdapterContext, ExchangeAdapter, Instrument, StreamRef } from '../types.js';
import { okxBookRules } from './book.js';
import { derivativeArgs } from './derivatives.js';
import { OKX_CHANNEL, parseOkxFrame, type OkxMarketKind } from './parse.js';
import { OkxInstrumentsResponse } from './wire.js';
import { decimalFact, decimalsOfStep, withFacts } from '../instrument-facts.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

/** OKX caps `args` at 64 KB per request; stay well below. */
const MAX_ARGS_CHARS = 60_000;

/** Decimal places of a tick/lot string: "0.1" → 1, "1" → 0, "0.00000001" → 8. */
export const decimalsOf = decimalsOfStep;

function controlMessages(op: 'subscribe' | 'unsubscribe', streams: readonly StreamRef[], nextId: () => number): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  let chars = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    out.push(`{"id":"${nextId()}","op":"${op}","args":[${batch.join(',')}]}`);
    batch = [];
    chars = 0;
  };
  const args = new Set<string>(); // liquidation-orders is one arg for every market
  for (const s of streams) {
    for (const a of derivativeArgs(op, s) ?? [JSON.stringify({ channel: OKX_CHANNEL[s.channel as DefaultChannel], instId: s.market })]) args.add(a);
  }
  for (const arg of args) {
    if (chars + arg.length + 1 > MAX_ARGS_CHARS) flush();
    batch.push(arg);
    chars += arg.length + 1;
  }
  flush();
  return out;
}

function toInstrument(kind: OkxMarketKind, raw: ReturnType<typeof OkxInstrumentsResponse.parse>['data'][number]): Instrument | undefined {
  let base: string | undefined;
  let quote: string | undefined;
  if (kind === 'spot') {
    if (raw.instType !== 'SPOT') return undefined;
    base = raw.baseCcy || undefined;
    quote = raw.quoteCcy || undefined;
  } else {
    if (raw.instType !== 'SWAP') return undefined;
    const uly = raw.uly !== undefined && raw.uly !== '' ? raw.uly : raw.instId.replace(/-SWAP$/, '');
    [base, quote] = uly.split('-');
  }
  if (base === undefined || quote === undefined || base === '' || quote === '') {
    const parts = raw.instId.split('-');
    base = parts[0];
    quote = parts[1];
  }
  if (base === undefined || quote === undefined) return undefined;
  const inst: Instrument = {
    market: raw.instId,
    symbol: `${base}/${quote}`,
    base,
    quote,
    trading: raw.state === 'live',
  };
  const pp = decimalsOf(raw.tickSz);
  const qp = decimalsOf(raw.lotSz);
  if (pp !== undefined) inst.pricePrecision = pp;
  if (qp !== undefined) inst.qtyPrecision = qp;
  if (kind === 'swap' && raw.ctVal !== undefined && raw.ctVal !== '') inst.contractValue = raw.ctVal;
  return withFacts(inst, {
    status: raw.state,
    kind: kind === 'spot' ? 'spot' : 'perpetual',
    settle: kind === 'swap' && raw.settleCcy ? raw.settleCcy : undefined,
    tickSize: decimalFact(raw.tickSz),
    lotSize: decimalFact(raw.lotSz),
    minSize: decimalFact(raw.minSz),
    contractValueCurrency: kind === 'swap' && raw.ctValCcy ? raw.ctValCcy : undefined,
    multiplier: kind === 'swap' ? decimalFact(raw.ctMult) : undefined,
  });
}

function createOkxAdapter(kind: OkxMarketKind): ExchangeAdapter {
  const instType = kind === 'spot' ? 'SPOT' : 'SWAP';
  return {
    id: kind === 'spot' ? 'okx' : 'okx-swap',
    defaultEndpoints: DEFAULT_ENDPOINTS[kind === 'spot' ? 'okx' : 'okx-swap'],
    wsUrl: (endpoints) => `${endpoints.ws.replace(/\/+$/, '')}/ws/v5/public`,
    limits: {
      // "use multiple websocket connections each with less than 30 channels" for 400-level books (docs/protocols/okx.md#limits); counting
      // every stream keeps every connection under 30 book channels.
      maxStreamsPerConnection: 30,
      controlMessagesPerSecond: 5,
      subscribeMessagesPerHour: 480,
      connectionsPerSecond: 3,
      // REST market/books: 40 requests / 2 s per IP (weight 1 each)
      restWeightPerMinute: 1200,
    },
    // swaps: mark/index/funding/open interest and liquidations (derivatives.ts)
    ...(kind === 'swap' ? { channels: [...DEFAULT_CHANNELS, 'derivative', 'liquidations'] as const } : {}),
    keepalive: {
      // OKX cuts a connection after 30 s without data; send the literal text `ping` well before, expect `pong`.
      staleAfterMs: 30_000,
      ping: { intervalMs: 20_000, kind: 'text', message: () => 'ping' },
      pongTimeoutMs: 10_000,
    },
    instrumentsRequest: () => ({ path: `/api/v5/public/instruments?instType=${instType}`, weight: 1 }),
    parseInstruments(body: string): Instrument[] {
      const r = OkxInstrumentsResponse.safeParse(JSON.parse(body));
      if (!r.success) throw new TwError('TW_ERR_EXCHANGE_ERROR', `OKX instruments: unexpected body: ${r.error.message}`);
      if (r.data.code !== '0') throw new TwError('TW_ERR_EXCHANGE_ERROR', `OKX instruments error ${r.data.code}: ${r.data.msg ?? ''}`);
      const out: Instrument[] = [];
      for (const raw of r.data.data) {
        const inst = toInstrument(kind, raw);
        if (inst !== undefined) out.push(inst);
      }
      return out;
    },
    toMarket(symbol: string): string {
      const s = symbol.trim().toUpperCase();
      if (s.includes('-')) return s; // already native
      const native = s.replace('/', '-');
      return kind === 'spot' ? native : `${native}-SWAP`;
    },
    subscribe: (streams: readonly StreamRef[], _ctx: AdapterContext, nextId: () => number) =>
      controlMessages('subscribe', streams, nextId),
    unsubscribe: (streams: readonly StreamRef[], _ctx: AdapterContext, nextId: () => number) =>
      controlMessages('unsubscribe', streams, nextId),
    parse: (frame: string) => parseOkxFrame(frame, kind),
    book: okxBookRules(),
  };
}

export const okxAdapter: ExchangeAdapter = createOkxAdapter('spot');
export const okxSwapAdapter: ExchangeAdapter = createOkxAdapter('swap');
