/** Which stream an event belongs to: the key its `seq` counts along (stamped by src/pipeline/stamper.ts). */
import type { MarketEvent, UnstampedEvent } from './events.js';

/**
 * The stream key of an event: `exchange:symbol@channel` (status: `exchange:symbol@status`, `exchange@status`; trade
 * bars: `exchange:symbol@bars`).
 */
export function streamKey(e: UnstampedEvent | MarketEvent): string {
  switch (e.type) {
    case 'book_snapshot':
    case 'book_delta':
    case 'book_top':
      return `${e.exchange}:${e.symbol}@book`;
    case 'ticker':
      return `${e.exchange}:${e.symbol}@ticker`;
    case 'trade':
      return `${e.exchange}:${e.symbol}@trades`;
    case 'trade_bar':
      return `${e.exchange}:${e.symbol}@bars`;
    case 'derivative_ticker':
      return `${e.exchange}:${e.symbol}@derivative`;
    case 'liquidation':
      return `${e.exchange}:${e.symbol}@liquidations`;
    case 'status':
      return e.symbol === undefined ? `${e.exchange}@status` : `${e.exchange}:${e.symbol}@status`;
  }
}
