/**
 * Ticker and trade messages of one market into events. Tickers: the exchange's partial updates (Binance
 * `@bookTicker` + `@ticker`, Bybit deltas) merged into the last known fields, so every event carries every field
 * known so far. Pure; the runtime keeps the merged state per market (forgotten when the `ticker` channel is removed).
 * Derivative tickers and liquidations: derivative-events.ts.
 */
import type { ExchangeId, UnstampedEvent } from '../schema/events.js';
import type { TickerFields, WireMessage } from '../exchanges/types.js';

type TickerMessage = Extract<WireMessage, { kind: 'ticker' }>;
type TradeMessage = Extract<WireMessage, { kind: 'trade' }>;
export type TradeOut = Extract<UnstampedEvent, { type: 'trade' }>;

/** `msg`'s fields merged into `state` (updated in place; created when undefined). */
export function mergeTicker(state: TickerFields | undefined, msg: TickerMessage): TickerFields {
  return state ? Object.assign(state, msg.fields) : { ...msg.fields };
}

/** The ticker event of a market whose merged fields are `merged`. */
export function tickerEvent(
  exchange: ExchangeId,
  symbol: string,
  market: string,
  merged: TickerFields,
  msg: TickerMessage,
  localTime: number,
  sizeUnit: string | undefined,
): UnstampedEvent {
  return {
    type: 'ticker',
    exchange,
    symbol,
    market,
    ...(msg.exchangeTime !== undefined ? { exchangeTime: msg.exchangeTime } : {}),
    localTime,
    ...merged,
    ...(sizeUnit === undefined ? {} : { sizeUnit }),
  };
}

export function tradeEvent(
  exchange: ExchangeId,
  symbol: string,
  market: string,
  msg: TradeMessage,
  localTime: number,
  sizeUnit: string | undefined,
): TradeOut {
  return {
    type: 'trade' as const,
    exchange,
    symbol,
    market,
    ...(msg.exchangeTime !== undefined ? { exchangeTime: msg.exchangeTime } : {}),
    localTime,
    tradeId: msg.tradeId,
    price: msg.price,
    size: msg.size,
    side: msg.side,
    ...(sizeUnit === undefined ? {} : { sizeUnit }),
  };
}
