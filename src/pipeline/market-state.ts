/** What the runtime keeps per market (one per exchange × native market id). */
import type { Channel } from '../schema/events.js';
import type { DerivativeFields, TickerFields } from '../exchanges/types.js';
import type { BookDriver } from './book-driver.js';
import type { ConnSlot } from './connection-pool.js';
import type { MarketHandover } from './handover.js';
import type { StreamActivity } from './no-data.js';

export interface MarketState {
  readonly symbol: string;
  readonly market: string;
  readonly channels: Set<Channel>;
  /** The connection that carries the market's streams now. */
  slot: ConnSlot;
  /** Merged ticker fields (market-events.ts). */
  ticker: TickerFields | undefined;
  /** Merged derivative fields (channel `derivative`; derivative-events.ts). */
  derivative: DerivativeFields | undefined;
  book: BookDriver | undefined;
  /** When each channel last had data, which are silent (no-data.ts). */
  readonly activity: StreamActivity;
  /** The last handover of this market, kept after it ended to skip trades the old connection already delivered. */
  handedOver?: MarketHandover | undefined;
}
