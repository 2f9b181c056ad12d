import type { Observable, SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { TwCode, TwErrorCode } from '../errors.js';
import type { KeepaliveSpec } from '../exchanges/types.js';
import type { Clock } from '../util/clock.js';
import type { BackoffOptions } from '../util/backoff.js';
import type { RateWindow } from '../util/rate-window.js';

export type { BackoffOptions } from '../util/backoff.js';

export interface ConnectionOptions {
  /** e.g. `binance#1`; names the connection in logs and status events. */
  id: string;
  /** ws:// or wss:// URL. */
  url: string;
  keepalive: KeepaliveSpec;
  /** Outgoing sends (and client pings, and the automatic pongs) are throttled to this many per second. */
  controlMessagesPerSecond: number;
  /** Shared with the exchange's other connections: its per-IP limits (connection attempts, messages). */
  shared?: { connects?: RateWindow; messages?: RateWindow };
  /**
   * When set, every text frame is handed to it synchronously, in order, straight from the socket (no `frame` event
   * on `events$`, no Subject per frame); `events$` still carries status and `sent` events. Unset: `frame` events.
   * `bytes`: the frame as received (UTF-8), valid only during the call.
   */
  onFrame?: (data: string, localTime: number, bytes: Uint8Array) => void;
  /** Messages to (re)send on EVERY open: the subscriptions. */
  onOpen: () => string[];
  /** Reconnect backoff; defaults 250 ms, 30 s, ×2; equal jitter on every attempt. */
  backoff?: Partial<BackoffOptions>;
  /** A socket not open within this long is abandoned and retried with backoff. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** ALL timers (backoff, keepalive pings, stale watchdog, pong timeout, throttle, connect timeout) run on it. */
  scheduler?: SchedulerLike;
  /** Source of events' `localTime`. */
  clock?: Clock;
  /** Source of jitter in [0, 1); inject a seeded one in tests. Default Math.random. */
  random?: () => number;
  /** A ws-compatible class (ws's WebSocket or a subclass/fake with `on('ping'|'pong'|'error')`). Default ws. */
  WebSocket?: unknown;
  logger?: Logger;
}

export type ConnectionState = 'connecting' | 'open' | 'closed' | 'reconnecting';

export type ConnectionEvent =
  /** Every text frame, in order (only when the connection was created without `onFrame`). */
  | { kind: 'frame'; data: string; localTime: number }
  /** Every message actually written to the socket (for the recorder). */
  | { kind: 'sent'; data: string; localTime: number }
  /**
   * closed: `details.closeCode` / `details.closeReason` (and `details.error` when the socket failed);
   * reconnecting: `details.attempt` (1-based, since the last good message) / `details.delayMs`.
   */
  | {
      kind: 'status';
      state: ConnectionState;
      code: TwCode;
      reason: string;
      details?: Record<string, unknown>;
      localTime: number;
    };

export interface Connection {
  readonly id: string;
  /** Hot; connecting starts on the first subscription (or `start()`); completes after `close()`. */
  readonly events$: Observable<ConnectionEvent>;
  /** Start connecting without subscribing (events before a subscription are not replayed). Idempotent. */
  start(): void;
  /** Throttled; while not open the message is DROPPED (never replayed on open — `onOpen` re-sends subscriptions). */
  send(message: string): void;
  /** The pipeline parsed a text pong (OKX `pong`, Kraken/Bybit pong JSON): clears the pong deadline. */
  notePong(): void;
  /**
   * Forced reconnect (closes with 4000, reason = code); the next attempt goes through backoff unless `immediate`
   * (serverShutdown = early reconnect; a second `immediate` within 1 s goes through backoff). A no-op while the
   * connection is already between sockets. `TW_ERR_STALE` also terminates the old socket at once.
   */
  reconnect(code: TwErrorCode, reason: string, opts?: { immediate?: boolean }): void;
  /** Final: closes the socket, stops timers, completes `events$`. */
  close(): void;
  readonly isOpen: boolean;
}
