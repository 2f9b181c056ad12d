/**
 * Every exchange's production origins, as data: what an adapter connects to when the config names no endpoint
 * (`ExchangeAdapter.defaultEndpoints` reads it here), and what the recorder matches REST URLs against before any
 * adapter is loaded. Total over `EXCHANGE_IDS`: a missing exchange is a compile error.
 */
import type { ExchangeId } from '../schema/events.js';
import type { Endpoints } from './types.js';

export const DEFAULT_ENDPOINTS: Readonly<Record<ExchangeId, Endpoints>> = {
  binance: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  'binance-futures': { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com' },
  'binance-delivery': { ws: 'wss://dstream.binance.com', rest: 'https://dapi.binance.com' },
  coinbase: { ws: 'wss://advanced-trade-ws.coinbase.com', rest: 'https://api.coinbase.com' },
  'coinbase-exchange': { ws: 'wss://ws-feed.exchange.coinbase.com', rest: 'https://api.exchange.coinbase.com' },
  kraken: { ws: 'wss://ws.kraken.com', rest: 'https://api.kraken.com' },
  bybit: { ws: 'wss://stream.bybit.com', rest: 'https://api.bybit.com' },
  'bybit-linear': { ws: 'wss://stream.bybit.com', rest: 'https://api.bybit.com' },
  okx: { ws: 'wss://ws.okx.com:8443', rest: 'https://www.okx.com' },
  'okx-swap': { ws: 'wss://ws.okx.com:8443', rest: 'https://www.okx.com' },
  deribit: { ws: 'wss://www.deribit.com', rest: 'https://www.deribit.com' },
  gateio: { ws: 'wss://api.gateio.ws', rest: 'https://api.gateio.ws' },
};
