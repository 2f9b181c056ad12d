/**
 * Binance COIN-M futures (`binance-delivery`, docs/protocols/binance.md#coin-m-futures): the USD-M adapter's third
 * variant. Same frames as USD-M (diff depth chained by `pu`, plus a `ps` pair field), on `wss://dstream.binance.com`
 * `/stream` (no `/public`–`/market` split), REST `/dapi/v1/…`. Trades come from `@aggTrade` (COIN-M has no raw trade
 * stream). Markets: perpetuals `BTCUSD_PERP` → `BTC/USD`, quarterlies `BTCUSD_250627` → `BTC/USD-250627`. Sizes are
 * contracts of `contractSize` USD (`Instrument.contractValue`, `sizeUnit: "contracts"`). Channels `derivative`
 * (`@markPrice@1s` + open interest polled from `/dapi/v1/openInterest`, in contracts) and `liquidations`
 * (`@forceOrder`).
 */
import type { ExchangeAdapter } from '../types.js';
import { makeBinanceAdapter } from './common.js';
import { futuresBookRules } from './futures.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

export const binanceDeliveryBookRules = futuresBookRules('/dapi/v1/depth');

export const binanceDeliveryAdapter: ExchangeAdapter = makeBinanceAdapter({
  id: 'binance-delivery',
  defaultEndpoints: DEFAULT_ENDPOINTS['binance-delivery'],
  wsPath: '/stream',
  // 10 incoming messages/s per connection, as USD-M; stay at half to leave room for pongs
  controlMessagesPerSecond: 5,
  // COIN-M REQUEST_WEIGHT per minute (the live budget is read from exchangeInfo `rateLimits`)
  restWeightPerMinute: 2400,
  // ping frame every 3 minutes from the server, as USD-M: the client pings every 10 s
  keepalive: { staleAfterMs: 30_000, ping: { kind: 'frame', intervalMs: 10_000 }, pongTimeoutMs: 10_000 },
  instrumentsPath: '/dapi/v1/exchangeInfo',
  instrumentsWeight: 1,
  // `BTCUSD_PERP` → `BTC/USD`; `BTCUSD_250627` → `BTC/USD-250627`
  unifiedSymbol: (base, quote, market) => {
    const us = market.indexOf('_');
    const tail = us === -1 ? '' : market.slice(us + 1);
    return tail === '' || tail === 'PERP' ? `${base}/${quote}` : `${base}/${quote}-${tail}`;
  },
  toMarket: (symbol) => {
    const [pair = symbol, expiry] = symbol.toUpperCase().replace('/', '').split('-');
    return `${pair}_${expiry ?? 'PERP'}`;
  },
  book: binanceDeliveryBookRules,
  tradeStream: '@aggTrade',
  channels: ['ticker', 'book', 'trades', 'derivative', 'liquidations'],
  openInterest: { path: '/dapi/v1/openInterest', weight: 1, unit: 'contracts' },
  contractSizes: true,
});
