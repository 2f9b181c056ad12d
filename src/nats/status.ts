/**
 * Status of the NATS link itself (publisher or consumer), as typed events. Not a MarketEvent: it belongs to no
 * exchange. Per-stream losses are ALSO published into NATS as MarketEvent status events (state `gap`).
 */
import type { TwCode } from '../errors.js';

export type NatsState =
  | 'connecting'
  | 'open'
  | 'disconnected'
  | 'reconnecting'
  | 'reconnected'
  | 'buffering'
  | 'drained'
  | 'dropped'
  | 'error'
  | 'closed';

export interface NatsStatus {
  type: 'nats';
  state: NatsState;
  code: Extract<TwCode, 'TW_OK' | 'TW_ERR_NATS' | 'TW_ERR_STREAM_GAP' | 'TW_ERR_MALFORMED_FRAME'>;
  reason: string;
  details?: Record<string, unknown>;
  /** Epoch microseconds. */
  localTime: number;
}
