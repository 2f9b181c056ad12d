/** The types the runtime and its units share: what a runtime is given, what it shows of its books, a status. */
import type { SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Channel, ExchangeId, UnstampedEvent } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import type { ExchangeAdapter } from '../exchanges/types.js';
import type { BookSync } from '../book/book-sync.js';
import type { Connection, ConnectionOptions } from '../connection/index.js';
import type { HttpGet, RestScheduler } from '../rest/index.js';
import type { Clock } from '../util/clock.js';
import type { Metrics } from './metrics.js';
import type { LevelSpans } from '../book/level-spans.js';

export interface RuntimeDeps {
  scheduler: SchedulerLike;
  clock: Clock;
  logger: Logger;
  createConnection: (opts: ConnectionOptions) => Connection;
  http?: HttpGet;
  random?: () => number;
  metrics: Metrics;
  emit: (e: UnstampedEvent) => void;
  /** Rate windows shared by every connection to one WebSocket host (per-IP limits). */
  sharedLimits?: (wsOrigin: string, limits: ExchangeAdapter['limits']) => ConnectionOptions['shared'];
  /** The REST scheduler of another runtime on the same host (a companion, hub.ts): one budget; default its own. */
  rest?: RestScheduler;
  /** Where scanners record the level arrays' bytes for a sink that copies them (HubDeps.levelSpans). */
  levelSpans?: LevelSpans | undefined;
}

export interface BookView {
  exchange: ExchangeId;
  symbol: string;
  market: string;
  state: string;
  updateId: number | undefined;
  sync: BookSync;
}

/** The fields of a status event a runtime unit asks for (the runtime adds `type`, `exchange` and `localTime`). */
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
