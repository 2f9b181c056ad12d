/**
 * Typed import shim for `reconnecting-websocket` 4.4. The package is CommonJS (`module.exports = RWS`) while its
 * typings declare `export default class`, so under NodeNext ESM the default import is typed as the module
 * namespace and is not constructable. This file resolves the class at runtime (default or default.default,
 * whichever loader is in play) and types only the surface tickwire uses.
 */
import * as rwsModule from 'reconnecting-websocket';
import type { ClientOptions, RawData, WebSocket as WsWebSocket } from 'ws';

/** The options tickwire sets (RWS_OPTIONS below says why each has its value). */
export interface RwsOptions {
  WebSocket: unknown;
  minReconnectionDelay: number;
  maxReconnectionDelay: number;
  reconnectionDelayGrowFactor: number;
  minUptime: number;
  connectionTimeout: number;
  maxRetries: number;
  maxEnqueuedMessages: number;
  startClosed?: boolean;
}

export interface RwsCloseEvent {
  code: number;
  reason: string;
}
export interface RwsMessageEvent {
  data: unknown;
}
export interface RwsErrorEvent {
  message?: string;
  error?: unknown;
}

export interface RwsInstance {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (e: RwsMessageEvent) => void): void;
  addEventListener(type: 'close', listener: (e: RwsCloseEvent) => void): void;
  addEventListener(type: 'error', listener: (e: RwsErrorEvent) => void): void;
}

export type RwsUrlProvider = string | (() => string) | (() => Promise<string>);

export type RwsConstructor = new (
  url: RwsUrlProvider,
  protocols: string | string[] | undefined,
  options: RwsOptions,
) => RwsInstance;

function resolveConstructor(mod: unknown): RwsConstructor {
  let candidate: unknown = mod;
  for (let i = 0; i < 3 && typeof candidate !== 'function'; i++) {
    candidate = (candidate as { default?: unknown } | null)?.default;
  }
  if (typeof candidate !== 'function') throw new Error('reconnecting-websocket: constructor not found');
  return candidate as RwsConstructor;
}

export const ReconnectingWebSocket: RwsConstructor = resolveConstructor(rwsModule);

/** WebSocket readyState values (same in ws, RWS and browsers). */
export const READY_STATE = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/** Out of reach of any real connect (2^31-1 is the largest delay a Node timer takes). */
const RWS_TIMEOUT_DISABLED = 2_147_483_647;

/**
 * RWS as tickwire configures it: the one reconnect loop, with tickwire owning the schedule (connection.ts).
 * - RWS's own delays are 0 (`minReconnectionDelay: 0`, `maxReconnectionDelay: 0`, `reconnectionDelayGrowFactor: 1`;
 *   RWS reads them with `=== undefined` checks, so 0 is honoured). Its default would randomize the minimum delay
 *   once per process and then grow it without jitter; tickwire's URL provider waits its own backoff with jitter.
 * - `minUptime: 0`: the attempt counter that matters is tickwire's.
 * - `connectionTimeout` out of reach: RWS's own is a plain setTimeout; tickwire's runs on the injected scheduler.
 * - `maxRetries: Infinity` (at the limit RWS stops for good with its connect lock held).
 * - `maxEnqueuedMessages: 0`: RWS would otherwise queue sends made while closed and replay them on open,
 *   duplicating the subscriptions that the connection re-sends on open.
 */
export const RWS_OPTIONS: Omit<RwsOptions, 'WebSocket'> = {
  minReconnectionDelay: 0,
  maxReconnectionDelay: 0,
  reconnectionDelayGrowFactor: 1,
  minUptime: 0,
  connectionTimeout: RWS_TIMEOUT_DISABLED,
  maxRetries: Infinity,
  maxEnqueuedMessages: 0,
};

/** ws waits this long for the server's close frame before destroying the socket. */
const CLOSE_HANDSHAKE_MS = 2000;
/** ws 8.23 supports `closeTimeout`; @types/ws does not list it yet. */
const WS_CLIENT_OPTIONS: ClientOptions & { closeTimeout: number } = { closeTimeout: CLOSE_HANDSHAKE_MS };

/** What the connection hears of each socket RWS creates. */
export interface SocketHooks {
  created(ws: WsWebSocket): void;
  error(ws: WsWebSocket, err: Error): void;
  ping(ws: WsWebSocket): void;
  pong(ws: WsWebSocket): void;
  message(ws: WsWebSocket, data: RawData, isBinary: boolean): void;
}

/**
 * The subclass of ws's WebSocket handed to RWS: it hooks `ping`/`pong` (keepalive, stale watchdog, throttle
 * accounting) and always has an `error` listener — RWS removes its listeners before closing a socket that is still
 * connecting, and ws then emits `error` on an emitter with no listener, which would throw.
 */
export function socketClass(
  Base: typeof WsWebSocket,
  hooks: SocketHooks,
): new (address: string, protocols?: string | string[]) => WsWebSocket {
  return class TickwireSocket extends Base {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, WS_CLIENT_OPTIONS);
      this.on('error', (err: Error) => hooks.error(this, err));
      this.on('ping', () => hooks.ping(this));
      this.on('pong', () => hooks.pong(this));
      this.on('message', (data: RawData, isBinary: boolean) => hooks.message(this, data, isBinary));
      hooks.created(this);
    }

    /**
     * Frames reach tickwire straight from ws's `message` (above), not through RWS: RWS's own `message` listener is
     * not installed (it would only re-dispatch each frame through ws's MessageEvent wrapper, which decodes the text
     * a second time, and RWS's listener list). RWS's other listeners (open/close/error) are installed as usual.
     */
    override addEventListener(...args: Parameters<WsWebSocket['addEventListener']>): void {
      if (args[0] === 'message') return;
      super.addEventListener(...args);
    }
  };
}
