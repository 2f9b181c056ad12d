/** The fields of a status event a runtime unit asks for (the runtime adds `type`, `exchange` and `localTime`). */
import type { Channel, UnstampedEvent } from '../schema/events.js';
import type { TwCode } from '../errors.js';

export interface StatusFields {
  scope: 'connection' | 'stream';
  state: Extract<UnstampedEvent, { type: 'status' }>['state'];
  code: TwCode;
  reason: string;
  symbol?: string;
  market?: string;
  channel?: Channel;
  connectionId?: string;
  details?: Record<string, unknown>;
}
