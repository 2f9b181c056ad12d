/**
 * Typed import shim for `reconnecting-websocket` 4.4. The package is CommonJS (`module.exports = RWS`) while its
 * typings declare `export default class`, so under NodeNext ESM the default import is typed as the module
 * namespace and is not constructable. This file resolves the class at runtime (default or default.default,
 * whichever loader is in play) and types only the surface tickwire uses.
 */
import * as rwsModule from 'reconnecting-websocket';

/** The options tickwire sets (see connection.ts for why each has its value). */
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
