/**
 * Deribit API v2 public market data (docs/protocols/deribit.md): JSON-RPC 2.0 over `/ws/api/v2`. Markets are
 * instrument names (`BTC-PERPETUAL`, `BTC-27DEC24`, `ETH-27DEC24-3000-C`); unified symbols follow
 * `BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]` (symbols.ts).
 *
 * Channels: `book.{instrument}.100ms`, `ticker.{instrument}.100ms`, `trades.{instrument}.100ms` — `raw` is for
 * authorized connections only, so `100ms` is the finest public interval (docs/protocols/deribit.md#channels).
 *
 * Sizes are amounts in the instrument's own unit: USD on perpetuals and inverse futures, the base coin on options and
 * linear instruments (`Instrument.sizeUnit`, carried on every book snapshot, trade and ticker event as `sizeUnit`).
 */
import { TwError } from '../../errors.js';
import { DEFAULT_CHANNELS, type Channel } from '../../schema/events.js';
import type { BookRules, Continuity, DeltaMessage, ExchangeAdapter, Instrument, StreamRef } from '../types.js';
import { parseKeepingNumbers } from '../kraken/raw-json.js';
import { groupNames } from '../wire-read.js';
import { parseDeribitFrame } from './parse.js';
import { deribitMarket, toInstrument } from './symbols.js';
import { DeribitInstrumentsResponse } from './wire.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

/** Finest interval public without credentials (docs/protocols/deribit.md#channels). */
export const DERIBIT_INTERVAL = '100ms';
/** Seconds between Deribit's heartbeats / test_requests (the minimum Deribit accepts is 10). */
export const HEARTBEAT_SECONDS = 10;

/**
 * Deribit channel of each tickwire channel: `derivative` rides on the ticker (mark, index, funding, open interest) and
 * `liquidations` on the trades (those with a `liquidation` field), docs/protocols/deribit.md#derivative-and-liquidations.
 * (Caveat, as on Bybit: the shared channel is unsubscribed when either of its two tickwire channels is removed.)
 */
const CHANNEL_PREFIX: Readonly<Record<Channel, string>> = {
  book: 'book',
  ticker: 'ticker',
  trades: 'trades',
  derivative: 'ticker',
  liquidations: 'trades',
};

export const deribitChannel = (s: StreamRef): string => `${CHANNEL_PREFIX[s.channel]}.${s.market}.${DERIBIT_INTERVAL}`;

/** Enables Deribit's heartbeats on the connection (sent with every subscribe batch; id 0 is never a subscribe). */
const SET_HEARTBEAT = `{"jsonrpc":"2.0","id":0,"method":"public/set_heartbeat","params":{"interval":${HEARTBEAT_SECONDS}}}`;

/**
 * One request per instrument (its channels together): Deribit answers a subscribe with the channels it took,
 * silently leaving out an unknown instrument's, so an empty answer is that instrument refused.
 */
function requests(method: 'public/subscribe' | 'public/unsubscribe', streams: readonly StreamRef[], nextId: () => number): string[] {
  const byMarket = groupNames(streams, (s) => s.market, deribitChannel);
  return [...byMarket.values()].map((channels) => `{"jsonrpc":"2.0","id":${nextId()},"method":"${method}","params":{"channels":${JSON.stringify(channels)}}}`);
}

/**
 * Book rules (docs/protocols/deribit.md#book): the first notification of a subscription is the snapshot (`change_id`),
 * every later one names the previous one's `change_id` as `prev_change_id`. A notification applies iff its
 * `prev_change_id` is the book's last `change_id`; one at or before the snapshot (left over from the previous
 * subscription) is dropped; anything else is a gap, recovered by unsubscribing and subscribing again.
 */
function continuity(localId: number, delta: DeltaMessage): Continuity {
  const prev = delta.prevUpdateId;
  if (prev === undefined || delta.updateId === undefined) return 'gap';
  if (prev === localId) return 'apply';
  return delta.updateId <= localId ? 'drop' : 'gap';
}

export const deribitBookRules: BookRules = {
  integrity: 'chained',
  snapshot: 'inband',
  resync: 'resubscribe',
  first: continuity,
  next: continuity,
  // after a resubscribe, notifications of the old subscription may still arrive (one per 100 ms)
  maxDeltasBeforeSnapshot: 30,
};

export const deribitAdapter: ExchangeAdapter = {
  id: 'deribit',
  defaultEndpoints: DEFAULT_ENDPOINTS.deribit,
  wsUrl: (endpoints) => `${endpoints.ws.replace(/\/+$/, '')}/ws/api/v2`,
  limits: {
    maxStreamsPerConnection: 100,
    controlMessagesPerSecond: 10,
    // public/get_instruments: sustained 1 request/second
    restWeightPerMinute: 60,
  },
  channels: [...DEFAULT_CHANNELS, 'derivative', 'liquidations'],
  keepalive: {
    // Deribit sends `heartbeat` frames every HEARTBEAT_SECONDS once set_heartbeat was called; three missed → stale
    staleAfterMs: HEARTBEAT_SECONDS * 3_000,
  },
  instrumentsRequest: () => ({ path: '/api/v2/public/get_instruments?currency=any&expired=false', weight: 1 }),
  parseInstruments(body: string): Instrument[] {
    // numbers (tick_size, strike, contract_size, …) are kept as their source text: lossless
    const r = DeribitInstrumentsResponse.safeParse(parseKeepingNumbers(body));
    if (!r.success) throw new TwError('TW_ERR_EXCHANGE_ERROR', `Deribit instruments: unexpected body: ${r.error.message}`);
    const out: Instrument[] = [];
    for (const entry of r.data.result) {
      const inst = toInstrument(entry);
      if (inst !== undefined) out.push(inst);
    }
    return out;
  },
  toMarket: deribitMarket,
  subscribe: (streams, _ctx, nextId) => (streams.length === 0 ? [] : [SET_HEARTBEAT, ...requests('public/subscribe', streams, nextId)]),
  unsubscribe: (streams, _ctx, nextId) => requests('public/unsubscribe', streams, nextId),
  parse: (frame, ctx) => parseDeribitFrame(frame, ctx),
  book: deribitBookRules,
};
