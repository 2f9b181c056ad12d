/**
 * Derivative data of one market into events: `derivative_ticker` (the exchange's partial updates merged into the
 * last known state, so every event carries every field known so far) and `liquidation`. Pure; the runtime keeps
 * the merged state per market and forgets it when the `derivative` channel is removed.
 */
import type { ExchangeId, UnstampedEvent } from '../schema/events.js';
import type { DerivativeFields, WireMessage } from '../exchanges/types.js';

type DerivativeMessage = Extract<WireMessage, { kind: 'derivative' }>;
type LiquidationMessage = Extract<WireMessage, { kind: 'liquidation' }>;

/** Merge `msg` into `state` (created when undefined) and return the event and the new state. */
export function derivativeEvent(
  exchange: ExchangeId,
  symbol: string,
  state: DerivativeFields | undefined,
  msg: DerivativeMessage,
  localTime: number,
): { event: UnstampedEvent; state: DerivativeFields } {
  const merged = state ? Object.assign(state, msg.fields) : { ...msg.fields };
  return {
    state: merged,
    event: {
      type: 'derivative_ticker',
      exchange,
      symbol,
      market: msg.market,
      ...(msg.exchangeTime !== undefined ? { exchangeTime: msg.exchangeTime } : {}),
      localTime,
      ...merged,
    },
  };
}

export function liquidationEvent(exchange: ExchangeId, symbol: string, msg: LiquidationMessage, localTime: number): UnstampedEvent {
  return {
    type: 'liquidation',
    exchange,
    symbol,
    market: msg.market,
    ...(msg.exchangeTime !== undefined ? { exchangeTime: msg.exchangeTime } : {}),
    localTime,
    side: msg.side,
    price: msg.price,
    size: msg.size,
  };
}
