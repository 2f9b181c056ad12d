/**
 * The only module that creates WebSockets: one connection's state machine (connecting → open → waiting …), its
 * keepalive, stale and connect-timeout timers, the throttled sends and the status events.
 *
 * `reconnecting-websocket` (RWS) 4.4 over `ws` is the one reconnect loop, configured so that tickwire owns the
 * schedule (the options and why each has its value: rws.ts). The URL provider is async and waits tickwire's capped
 * exponential backoff with jitter on every attempt (timer on the injected scheduler). The attempt counter is
 * tickwire's, reset by the first text frame after an open (RWS's own counter resets after `minUptime` and on
 * `reconnect()`, which would defeat the backoff of a forced reconnect). The connect timeout runs on the injected
 * scheduler.
 */
import { Observable, Subject, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { WebSocket as WsWebSocket, type RawData } from 'ws';
import { TwError, type TwCode, type TwErrorCode } from '../errors.js';
import { systemClock } from '../util/clock.js';
import { redactUrl } from '../util/redact.js';
import { backoffDelay, resolveBackoff } from '../util/backoff.js';
import { READY_STATE, RWS_OPTIONS, ReconnectingWebSocket, socketClass, type RwsCloseEvent, type RwsInstance } from './rws.js';
import { Throttle } from './throttle.js';
import type { Connection, ConnectionEvent, ConnectionOptions, ConnectionState } from './types.js';

/** Close code tickwire sends when it drops a socket on purpose (application range 4000-4999). */
export const FORCED_CLOSE_CODE = 4000;
/** Two `immediate` reconnects closer than this: the second goes through backoff (a server that says "shutdown" on every open must not make a tight loop). */
const IMMEDIATE_MIN_SPACING_MS = 1000;

type Outgoing = { kind: 'ping' } | { kind: 'text'; data: string; keepalive: boolean };

type Phase = 'idle' | 'connecting' | 'open' | 'waiting' | 'finished';

interface Cause {
  code: TwErrorCode;
  reason: string;
}

export function createConnection(opts: ConnectionOptions): Connection {
  const { id, url, keepalive } = opts;
  validateUrl(url);
  /** The URL as status events, logs and recordings show it (no userinfo, no secret query parameter). */
  const shownUrl = redactUrl(url);
  const scheduler: SchedulerLike = opts.scheduler ?? asyncScheduler;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const backoff = resolveBackoff(opts.backoff);
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const log = opts.logger?.child({ connection: id });
  const events = new Subject<ConnectionEvent>();

  let rws: RwsInstance | undefined;
  let current: WsWebSocket | undefined;
  let phase: Phase = 'idle';
  let sockets = 0;
  /** Reconnect attempts since the last good message (1-based in status events). */
  let attempt = 0;
  let goodSinceOpen = false;
  let socketError: string | undefined;
  let forced: (Cause & { immediate: boolean }) | undefined;
  let nextImmediate = false;
  let lastImmediateAt = -Infinity;
  let lastCause: Cause = { code: 'TW_ERR_SOCKET_CLOSED', reason: 'socket closed' };
  let lastFrameAt = 0;
  let lastTextPingAt = 0;
  /** Text pings sent by this connection: numbers its ping messages (an adapter keeps no state of its own). */
  let textPings = 0;
  let binaryFrames = 0;
  /** A keepalive ping waits in the throttle queue: do not pile up more behind a throttled burst. */
  let pingQueued = false;

  let staleTimer: Subscription | undefined;
  let keepaliveTimer: Subscription | undefined;
  let pongTimer: Subscription | undefined;
  let connectTimer: Subscription | undefined;
  let waitTimer: Subscription | undefined;
  let wake: (() => void) | undefined;

  const status = (state: ConnectionState, code: TwCode, reason: string, details?: Record<string, unknown>): void => {
    events.next({ kind: 'status', state, code, reason, ...(details ? { details } : {}), localTime: clock.nowMicros() });
  };

  // ---- outgoing ----------------------------------------------------------------------------------------------
  const write = (item: Outgoing): void => {
    const ws = current;
    if (phase !== 'open' || ws === undefined || ws.readyState !== READY_STATE.OPEN) return;
    if (item.kind === 'ping') {
      pingQueued = false;
      ws.ping();
      armPongDeadline();
      return;
    }
    ws.send(item.data);
    events.next({ kind: 'sent', data: item.data, localTime: clock.nowMicros() });
    if (item.keepalive) armPongDeadline();
  };
  const throttle = new Throttle<Outgoing>(opts.controlMessagesPerSecond, scheduler, write, opts.shared?.messages);

  // ---- timers ------------------------------------------------------------------------------------------------
  const armPongDeadline = (): void => {
    const ms = keepalive.pongTimeoutMs;
    if (ms === undefined || pongTimer !== undefined) return;
    pongTimer = scheduler.schedule(() => {
      pongTimer = undefined;
      reconnect('TW_ERR_STALE', `no pong within ${ms} ms`);
    }, ms);
  };
  const clearPongDeadline = (): void => {
    pongTimer?.unsubscribe();
    pongTimer = undefined;
  };

  const armStale = (delay: number): void => {
    staleTimer = scheduler.schedule(() => {
      staleTimer = undefined;
      const idle = scheduler.now() - lastFrameAt;
      if (idle >= keepalive.staleAfterMs) reconnect('TW_ERR_STALE', `no frame for ${idle} ms`);
      else armStale(keepalive.staleAfterMs - idle);
    }, delay);
  };

  const armKeepalive = (delay: number): void => {
    const ping = keepalive.ping;
    if (ping === undefined) return;
    keepaliveTimer = scheduler.schedule(() => {
      keepaliveTimer = undefined;
      if (phase !== 'open') return;
      if (ping.kind === 'frame') {
        if (!pingQueued) {
          pingQueued = true;
          throttle.push({ kind: 'ping' });
        }
        armKeepalive(ping.intervalMs);
        return;
      }
      // text: ping after intervalMs of silence (no frame received, no ping sent)
      const now = scheduler.now();
      const quiet = now - Math.max(lastFrameAt, lastTextPingAt);
      if (quiet >= ping.intervalMs) {
        lastTextPingAt = now;
        throttle.push({ kind: 'text', data: ping.message(++textPings), keepalive: true });
        armKeepalive(ping.intervalMs);
      } else {
        armKeepalive(ping.intervalMs - quiet);
      }
    }, delay);
  };

  const stopSocketTimers = (): void => {
    for (const t of [staleTimer, keepaliveTimer, pongTimer, connectTimer]) t?.unsubscribe();
    staleTimer = keepaliveTimer = pongTimer = connectTimer = undefined;
    throttle.clear();
    pingQueued = false;
  };

  // ---- hooks of the ws subclass handed to RWS (rws.ts, socketClass) ------------------------------------------
  const onSocketCreated = (ws: WsWebSocket): void => {
    current = ws;
    sockets++;
    socketError = undefined;
    phase = 'connecting';
    status('connecting', 'TW_OK', `connecting to ${shownUrl}`, { url: shownUrl, attempt });
    connectTimer = scheduler.schedule(() => {
      connectTimer = undefined;
      reconnect('TW_ERR_SOCKET_ERROR', `not open within ${connectTimeoutMs} ms`);
    }, connectTimeoutMs);
  };
  const onSocketError = (ws: WsWebSocket, err: Error): void => {
    if (ws !== current) return;
    socketError = err.message;
    log?.debug({ err: err.message }, 'socket error');
  };
  const onPing = (ws: WsWebSocket): void => {
    if (ws !== current || phase !== 'open') return;
    lastFrameAt = scheduler.now();
    throttle.note(); // ws answered it with a pong (payload echoed): that write counts against the budget
  };
  const onPong = (ws: WsWebSocket): void => {
    if (ws !== current || phase !== 'open') return;
    lastFrameAt = scheduler.now();
    clearPongDeadline();
  };

  // ---- RWS listeners -----------------------------------------------------------------------------------------
  const onOpen = (): void => {
    if (phase === 'finished') return;
    settleConnect();
    connectTimer?.unsubscribe();
    connectTimer = undefined;
    phase = 'open';
    goodSinceOpen = false;
    lastFrameAt = lastTextPingAt = scheduler.now();
    throttle.clear();
    status('open', 'TW_OK', `connected to ${shownUrl}`, { url: shownUrl });
    armStale(keepalive.staleAfterMs);
    if (keepalive.ping) armKeepalive(keepalive.ping.intervalMs);
    let messages: string[] = [];
    try {
      messages = opts.onOpen();
    } catch (err) {
      log?.error({ err }, 'onOpen threw; nothing subscribed on this open');
    }
    for (const data of messages) throttle.push({ kind: 'text', data, keepalive: false });
  };

  const onFrame = opts.onFrame;
  const onSocketMessage = (ws: WsWebSocket, raw: RawData, isBinary: boolean): void => {
    if (ws !== current || phase !== 'open') return;
    lastFrameAt = scheduler.now();
    if (isBinary) {
      if (binaryFrames++ === 0) log?.warn('binary frame ignored (only text frames are delivered)');
      return;
    }
    const bytes = bytesOf(raw);
    const data = bytes.toString();
    if (!goodSinceOpen) {
      goodSinceOpen = true;
      attempt = 0;
    }
    const localTime = clock.nowMicros();
    if (onFrame === undefined) {
      events.next({ kind: 'frame', data, localTime });
      return;
    }
    try {
      onFrame(data, localTime, bytes);
    } catch (err) {
      // as an RxJS subscriber's error would be: reported asynchronously, never thrown into ws's frame parser
      queueMicrotask(() => {
        throw err;
      });
    }
  };

  const onClose = (e: RwsCloseEvent): void => {
    if (phase === 'finished' || phase === 'waiting' || phase === 'idle') return;
    settleConnect();
    stopSocketTimers();
    const wasOpen = phase === 'open';
    phase = 'waiting';
    let cause: Cause;
    const details: Record<string, unknown> = { closeCode: e.code, closeReason: e.reason, wasOpen };
    if (forced !== undefined) {
      cause = { code: forced.code, reason: forced.reason };
      nextImmediate = forced.immediate;
    } else if (socketError !== undefined) {
      cause = { code: 'TW_ERR_SOCKET_ERROR', reason: socketError };
      details.closeCode = 1006; // RWS reports a synthetic 1000 for a socket that errored
      details.error = socketError;
    } else {
      cause = { code: 'TW_ERR_SOCKET_CLOSED', reason: `closed by server: ${e.code}${e.reason ? ` ${e.reason}` : ''}` };
    }
    forced = undefined;
    lastCause = cause;
    log?.warn({ ...details, code: cause.code }, cause.reason);
    status('closed', cause.code, cause.reason, details);
  };

  // ---- backoff: RWS's URL provider ---------------------------------------------------------------------------
  /** The shared connect window's entry of the attempt under way (settled when it opens or fails). */
  let connectTaken: { at: number } | undefined;
  const settleConnect = (): void => {
    if (connectTaken !== undefined) opts.shared?.connects?.settled(connectTaken, scheduler.now());
    connectTaken = undefined;
  };

  /** Resolve with the URL once the exchange's shared connection-attempt budget (per IP) has room. */
  const gated = (resolve: (u: string) => void): void => {
    const gate = opts.shared?.connects;
    const wait = gate?.waitMs(scheduler.now()) ?? 0;
    if (gate === undefined || wait === 0 || phase === 'finished') {
      connectTaken = gate?.take(scheduler.now());
      resolve(url);
      return;
    }
    waitTimer = scheduler.schedule(() => gated(resolve), wait);
  };

  const provideUrl = (): Promise<string> => {
    if (phase === 'finished') return Promise.resolve(url);
    if (sockets === 0) return new Promise<string>((resolve) => gated(resolve));
    attempt++;
    const now = scheduler.now();
    const immediate = nextImmediate && now - lastImmediateAt >= IMMEDIATE_MIN_SPACING_MS;
    if (immediate) lastImmediateAt = now;
    const delayMs = immediate ? 0 : backoffDelay(attempt, backoff, random);
    nextImmediate = false;
    status('reconnecting', lastCause.code, lastCause.reason, { attempt, delayMs });
    return new Promise<string>((resolve) => {
      wake = () => {
        waitTimer?.unsubscribe();
        waitTimer = undefined;
        wake = undefined;
        gated(resolve);
      };
      waitTimer = scheduler.schedule(() => wake?.(), delayMs);
    });
  };

  // ---- public ------------------------------------------------------------------------------------------------
  const start = (): void => {
    if (phase !== 'idle') return;
    phase = 'connecting';
    const hooks = { created: onSocketCreated, error: onSocketError, ping: onPing, pong: onPong, message: onSocketMessage };
    const TickwireSocket = socketClass((opts.WebSocket ?? WsWebSocket) as typeof WsWebSocket, hooks);
    rws = new ReconnectingWebSocket(provideUrl, undefined, { ...RWS_OPTIONS, WebSocket: TickwireSocket });
    rws.binaryType = 'nodebuffer';
    rws.addEventListener('open', onOpen);
    rws.addEventListener('close', onClose);
    rws.addEventListener('error', (e) => log?.debug({ err: e.message }, 'rws error event'));
  };

  const reconnect = (code: TwErrorCode, reason: string, o?: { immediate?: boolean }): void => {
    if ((phase !== 'open' && phase !== 'connecting') || rws === undefined || current === undefined) return;
    const old = current;
    forced = { code, reason, immediate: o?.immediate ?? false };
    log?.warn({ code }, `forced reconnect: ${reason}`);
    rws.reconnect(FORCED_CLOSE_CODE, code); // RWS closes the socket and dispatches close synchronously
    if (code === 'TW_ERR_STALE') old.terminate(); // a dead peer would never finish the close handshake
  };

  const close = (): void => {
    if (phase === 'finished') return;
    const started = phase !== 'idle';
    phase = 'finished';
    stopSocketTimers();
    rws?.close(1000, 'client close');
    wake?.(); // RWS sees close was called and creates no socket
    if (started) status('closed', 'TW_OK', 'closed by client', { closeCode: 1000 });
    events.complete();
  };

  const events$ = new Observable<ConnectionEvent>((subscriber) => {
    const sub = events.subscribe(subscriber);
    start();
    return sub;
  });

  return {
    id,
    events$,
    start,
    send(message: string): void {
      if (phase !== 'open') {
        log?.debug({ message }, 'send while not open: dropped');
        return;
      }
      throttle.push({ kind: 'text', data: message, keepalive: false });
    },
    notePong: clearPongDeadline,
    reconnect,
    close,
    get isOpen(): boolean {
      return phase === 'open';
    },
  };
}

/** The bytes of a (non-binary) ws message: ws hands a Buffer with the default `nodebuffer` binary type. */
function bytesOf(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}

function validateUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TwError('TW_ERR_CONFIG', `invalid WebSocket URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TwError('TW_ERR_CONFIG', `WebSocket URL must be ws:// or wss://, got ${redactUrl(url)}`);
  }
}
