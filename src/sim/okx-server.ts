/**
 * OKX v5 public protocol server for the simulator (docs/protocols/okx.md): `/ws/v5/public` with `books` (400 levels,
 * in-band snapshot then updates chained by `seqId`/`prevSeqId`), `tickers`, `trades`, and on swaps `mark-price`,
 * `index-tickers`, `funding-rate`, `open-interest`, `liquidation-orders` (./okx-derivatives.ts); REST
 * `/api/v5/public/instruments` and `/api/v5/market/books` (./okx-rest.ts). One factory serves `okx` (spot,
 * `BTC-USDT`) and `okx-swap` (perpetual swaps, `BTC-USDT-SWAP`, sizes in contracts of `ctVal`). Subscribe and
 * unsubscribe requests: ./okx-requests.ts; wire ids: ./okx-ids.ts.
 *
 * Wire ids: `seqId` is the market's change id of the last change in the message (minus an offset that a
 * maintenance reset raises), `prevSeqId` the previous message's `seqId` (-1 on a snapshot). Every
 * `keepaliveEvery`-th book tick sends the documented no-change update (`seqId == prevSeqId`, empty sides) instead
 * of a step. `checksum` is 0 ("absent", as OKX sends since 2026-06-23) unless `checksums: true`.
 *
 * Keepalive: the literal text `ping` is answered with `pong`; a connection to which nothing was sent for
 * `idleCutMs` (30 s) is closed, as OKX does.
 *
 * Faults (besides the generic ones): `okx-bad-checksum` {symbol} — the next update carries a wrong non-zero
 * checksum; `okx-broken-prev` {symbol} — the next update's `prevSeqId` is off by one; `okx-seq-reset` {symbol} —
 * the next update resets `seqId` below `prevSeqId` (post-maintenance; still chains); `okx-keepalive` {symbol} — the
 * next book tick is a no-change update; `okx-error` {symbol, code?, count?} — subscriptions to that symbol are
 * answered with an error (60018 by default, naming the instrument; other codes name only the request id) instead of
 * an ack; `okx-no-snapshot` — while active, subscriptions get
 * no initial snapshot (clients must use REST `/api/v5/market/books`); `okx-checksums` — while active, real
 * checksums are sent (as `checksums: true`). `drop-diff` breaks the chain too (the update
 * is not sent but its ids are spent).
 */
import type { ExchangeId } from '../schema/events.js';
import { SimMarket } from './market.js';
import { DEFAULT_FUNDING_PERIOD_MS } from './derivatives.js';
import { OKX_DERIVATIVE_CHANNELS, OkxSwapDerivatives, type OkxSwapIds } from './okx-derivatives.js';
import { fromWire, symState, toWire, type SymState } from './okx-ids.js';
import { booksFrame, noticeFrame, okxBookChecksum, tickersFrame, tradesFrame } from './okx-render.js';
import { connId, markSent, onOkxRequest, topic, type OkxRequestContext } from './okx-requests.js';
import { okxRest, okxRestFault, type OkxRestContext } from './okx-rest.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimProtocolOptions, SimServer } from './server.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';

export interface OkxSimOptions {
  exchange?: 'okx' | 'okx-swap';
  seed?: number;
  symbols: readonly SimSymbolSpec[];
  /** Book update period (OKX `books`: 100 ms). */
  bookIntervalMs?: number;
  tickerIntervalMs?: number;
  tradeIntervalMs?: number;
  /** Send real checksums instead of 0. Default false (current OKX). */
  checksums?: boolean;
  /** Send the in-band snapshot on subscribe. Default true. */
  initialSnapshot?: boolean;
  /** Every n-th book tick is a no-change keepalive update (0 = never). Default 20. */
  keepaliveEvery?: number;
  /** Close a connection nothing was sent to for this long. Default 30 000. */
  idleCutMs?: number;
  /** Subscribe/unsubscribe requests allowed per connection per hour. Default 480. */
  maxSubscribeOpsPerHour?: number;
  /** Contract value of every swap (`ctVal`). Default "0.01". */
  contractValue?: string;
  /** Levels per side of the true book (= the `books` depth). Default 400. */
  levels?: number;
  /** Changes kept per symbol for `trueBookAt`. Default 50 000. */
  historySize?: number;
  /** Swaps: funding period (ms). Default 8 h. */
  fundingPeriodMs?: number;
}

/** Factory for the simulator's protocol table: `okx` / `okx-swap` with OKX defaults (books ≤ 400 levels). */
export function okxProtocolFor(exchange: 'okx' | 'okx-swap'): (o: SimProtocolOptions) => SimProtocol {
  return (o) => {
    const opts: OkxSimOptions = { exchange, seed: o.seed, symbols: o.symbols, levels: Math.min(o.levels ?? 400, 400) };
    if (o.intervalMs !== undefined) opts.bookIntervalMs = o.intervalMs;
    if (o.tradeIntervalMs !== undefined) opts.tradeIntervalMs = o.tradeIntervalMs;
    if (o.tickerIntervalMs !== undefined) opts.tickerIntervalMs = o.tickerIntervalMs;
    if (o.historySize !== undefined) opts.historySize = o.historySize;
    if (o.fundingPeriodMs !== undefined) opts.fundingPeriodMs = o.fundingPeriodMs;
    return createOkxProtocol(opts);
  };
}

const CHANNELS = new Set(['books', 'tickers', 'trades']);
const SWAP_CHANNELS = new Set([...CHANNELS, ...OKX_DERIVATIVE_CHANNELS]);
const ONE_SHOT_FAULTS = new Set(['okx-bad-checksum', 'okx-broken-prev', 'okx-seq-reset', 'okx-keepalive', 'okx-error']);

export function createOkxProtocol(opts: OkxSimOptions): SimProtocol & { readonly market: SimMarket } {
  const exchange: ExchangeId = opts.exchange ?? 'okx';
  const swap = exchange === 'okx-swap';
  const instType = swap ? 'SWAP' : 'SPOT';
  const levels = opts.levels ?? 400;
  const market = new SimMarket({ seed: opts.seed ?? 1, symbols: opts.symbols, levels, ...(opts.historySize !== undefined ? { historySize: opts.historySize } : {}) });
  const keepaliveEvery = opts.keepaliveEvery ?? 20;
  const idleCutMs = opts.idleCutMs ?? 30_000;
  const maxOps = opts.maxSubscribeOpsPerHour ?? 480;
  const ctVal = opts.contractValue ?? '0.01';
  const syms = new Map<string, SymState>(); // by unified symbol
  const byInst = new Map<string, SymState>();
  const byIndex = new Map<string, SymState>(); // swaps: by index id (`index-tickers`)
  for (const spec of opts.symbols) {
    const st = symState(spec, swap, market.lastId(spec.symbol));
    syms.set(spec.symbol, st);
    byInst.set(st.instId, st);
    if (swap) byIndex.set(st.index, st);
  }
  const channels = swap ? SWAP_CHANNELS : CHANNELS;
  const ids = (st: SymState): OkxSwapIds => ({ symbol: st.spec.symbol, instId: st.instId, index: st.index });
  let server: SimServer | undefined;
  let nextConnId = 0x5a3c0000;

  const srv = (): SimServer => {
    if (!server) throw new Error('sim okx: not started');
    return server;
  };
  const checksumOf = (symbol: string): number => {
    if (opts.checksums !== true && srv().faults.find('okx-checksums') === undefined) return 0;
    const b = market.book(symbol, 25);
    return okxBookChecksum(b.bids, b.asks);
  };

  /** Publish one book tick of `st`: a step (or a keepalive no-change update), with the faults aimed at it. */
  const bookTick = (st: SymState): void => {
    const s = srv();
    const symbol = st.spec.symbol;
    st.ticks++;
    const t = topic('books', st.instId);
    const keepalive = s.takeFrameFault('okx-keepalive', t, symbol) !== undefined || (keepaliveEvery > 0 && st.ticks % keepaliveEvery === 0);
    if (keepalive) {
      const seq = st.lastSeq;
      const frame = booksFrame({ instId: st.instId, action: 'update', bids: [], asks: [], ts: Date.now(), checksum: checksumOf(symbol), prevSeqId: seq, seqId: seq });
      publish(t, symbol, frame);
      return;
    }
    const diff = market.step(symbol);
    const prev = st.lastSeq;
    if (s.takeFrameFault('okx-seq-reset', t, symbol) !== undefined) {
      // after maintenance: seqId restarts low, prevSeqId still names the last message
      const newWire = 1 + (diff.lastId % 1000);
      st.epochs.push({ fromId: diff.firstId, offset: diff.lastId - newWire });
    }
    const seq = toWire(st, diff.lastId);
    st.lastSeq = seq;
    if (!s.hasSubscribers(t)) return; // nothing goes out: no fault is taken (it would be lost)
    const fault = s.takeDiffFault(t, symbol);
    if (fault === 'drop') return;
    if (fault === 'garbage') {
      publish(t, symbol, `{"arg":{"channel":"books","instId":"${st.instId}"},"action":"update","data":[{"asks":[["`);
      return;
    }
    let checksum = checksumOf(symbol);
    if (s.takeFrameFault('okx-bad-checksum', t, symbol) !== undefined) {
      checksum = checksum === 0 ? 123456789 : checksum ^ 0x5a5a;
    }
    const brokenPrev = s.takeFrameFault('okx-broken-prev', t, symbol) !== undefined;
    const frame = booksFrame({
      instId: st.instId,
      action: 'update',
      bids: diff.bids,
      asks: diff.asks,
      ts: diff.time,
      checksum,
      prevSeqId: brokenPrev ? prev - 1 : prev,
      seqId: seq,
    });
    if (s.takeGarbageFrame(t, symbol)) publish(t, symbol, 'not json {');
    publish(t, symbol, frame);
  };

  const publish = (t: string, symbol: string, frame: string): void => {
    const s = srv();
    s.publish(t, symbol, (conn) => {
      if (s.dataAllowed(conn, symbol)) markSent(conn);
      return frame;
    });
  };

  const snapshotFrame = (st: SymState): string => {
    const b = market.book(st.spec.symbol);
    return booksFrame({
      instId: st.instId,
      action: 'snapshot',
      bids: b.bids,
      asks: b.asks,
      ts: Date.now(),
      checksum: checksumOf(st.spec.symbol),
      prevSeqId: -1,
      seqId: toWire(st, b.updateId),
    });
  };

  const tickerTick = (st: SymState): void => {
    const t = topic('tickers', st.instId);
    if (!srv().hasSubscribers(t)) return;
    const symbol = st.spec.symbol;
    const best = market.best(symbol);
    const stats = market.stats(symbol);
    const frame = tickersFrame({
      instType,
      instId: st.instId,
      last: stats.last,
      lastSz: stats.lastQty,
      bidPx: best.bid?.[0] ?? '',
      bidSz: best.bid?.[1] ?? '',
      askPx: best.ask?.[0] ?? '',
      askSz: best.ask?.[1] ?? '',
      open24h: stats.open,
      high24h: stats.high,
      low24h: stats.low,
      // spot: vol24h base, volCcy24h quote; swap: vol24h contracts, volCcy24h base (contracts × ctVal, approx.)
      vol24h: stats.volume,
      volCcy24h: swap ? stats.volume : stats.quoteVolume,
      ts: Date.now(),
    });
    publish(t, symbol, frame);
  };

  const derivs = swap
    ? new OkxSwapDerivatives(opts.seed ?? 1, opts.symbols, opts.fundingPeriodMs ?? DEFAULT_FUNDING_PERIOD_MS, ctVal, market, {
        hasSubscribers: (t) => srv().hasSubscribers(t),
        publish: (t, symbol, frame) => publish(t, symbol, frame),
      })
    : undefined;

  const tradeTick = (st: SymState): void => {
    const t = topic('trades', st.instId);
    const trade = market.trade(st.spec.symbol);
    derivs?.onTrade(ids(st));
    if (!srv().hasSubscribers(t)) return;
    publish(t, st.spec.symbol, tradesFrame({ instId: st.instId, tradeId: trade.id, px: trade.price, sz: trade.size, side: trade.side, ts: trade.time }));
  };

  /**
   * OKX closes a connection nothing was pushed to for 30 s. The check runs while any connection is open (paused or
   * not: a paused market is exactly when it bites) and stops with the last one.
   */
  let idleTimer: NodeJS.Timeout | undefined;
  const startIdleCut = (): void => {
    if (idleTimer !== undefined) return;
    idleTimer = setInterval(() => {
      const s = srv();
      if (s.connections.size === 0) {
        clearInterval(idleTimer);
        idleTimer = undefined;
        return;
      }
      const now = Date.now();
      for (const conn of s.connections) {
        const last = typeof conn.state.lastSent === 'number' ? conn.state.lastSent : conn.openedAt;
        if (conn.open && now - last > idleCutMs) conn.close(4004, 'No data received in 30s.');
      }
    }, Math.max(10, Math.min(1000, Math.floor(idleCutMs / 4))));
    idleTimer.unref();
  };

  const initialSnapshot = opts.initialSnapshot !== false;
  const requests: OkxRequestContext = { srv, swap, channels, byInst, byIndex, maxOps, initialSnapshot, snapshotFrame };
  const rest: OkxRestContext = { instType, ctVal, syms, byInst, market };

  const bookAtWire = (st: SymState, seq: number): SimBook | undefined => {
    const id = fromWire(st, seq, market.lastId(st.spec.symbol));
    if (id === undefined) return undefined;
    const b = market.bookAt(st.spec.symbol, id);
    return b === undefined ? undefined : { ...b, updateId: seq };
  };

  return {
    exchange,
    market,
    pingIntervalMs: 0, // OKX does not send WebSocket pings; clients send the text `ping`
    maxIncomingPerSec: 0,
    start(s: SimServer): void {
      server = s;
      const states = [...syms.values()];
      s.every(opts.bookIntervalMs ?? 100, () => states.forEach(bookTick));
      s.every(opts.tickerIntervalMs ?? 100, () => states.forEach(tickerTick));
      if (derivs !== undefined) s.every(opts.tickerIntervalMs ?? 100, () => states.forEach((st) => derivs.tick(ids(st))));
      s.every(opts.tradeIntervalMs ?? 250, () => states.forEach(tradeTick));
    },
    acceptUpgrade: (url) => url.pathname === '/ws/v5/public',
    onOpen(conn: SimConnection): void {
      conn.state.connId = (nextConnId++).toString(16);
      conn.state.lastSent = Date.now();
      startIdleCut();
    },
    onMessage(conn: SimConnection, text: string): void {
      if (text === 'ping') {
        if (conn.sendControl('pong')) markSent(conn);
        return;
      }
      onOkxRequest(conn, text, requests);
    },
    handleRest(req: RestRequest): RestResponse {
      return okxRest(req, rest);
    },
    restFaultResponse(fault: SimFault): RestResponse {
      return okxRestFault(fault);
    },
    applyFault(fault: SimFault): boolean {
      // OKX's own faults act once (or `count` times) unless said otherwise; `okx-no-snapshot` holds until cleared.
      if (!ONE_SHOT_FAULTS.has(fault.kind) || (fault as { count?: unknown }).count !== undefined) return false;
      srv().faults.add({ ...fault, count: 1 });
      return true;
    },
    topicSymbol(t: string): string | undefined {
      const instId = t.slice(t.indexOf(':') + 1);
      if (t.startsWith('index-tickers:')) return byIndex.get(instId)?.spec.symbol;
      return byInst.get(instId)?.spec.symbol; // liquidation-orders:SWAP: every swap's, no one symbol
    },
    published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
      return derivs?.published(symbol) ?? { derivatives: [], liquidations: [] };
    },
    shutdownNotice(conn: SimConnection): void {
      conn.sendControl(noticeFrame(connId(conn)));
    },
    trueBook(symbol: string): SimBook | undefined {
      const st = syms.get(symbol);
      if (st === undefined) return undefined;
      const b = market.book(symbol);
      return { ...b, updateId: toWire(st, b.updateId) };
    },
    trueBookAt(symbol: string, updateId: number): SimBook | undefined {
      const st = syms.get(symbol);
      return st === undefined ? undefined : bookAtWire(st, updateId);
    },
    async burst(b: BurstOptions): Promise<BurstResult> {
      const states = (b.symbols ?? [...syms.keys()]).map((s) => syms.get(s)).filter((s): s is SymState => s !== undefined);
      const t0 = Date.now();
      if (states.length === 0) return { diffs: 0, frames: 0, bytes: 0, ms: 0 };
      const r = await srv().burst(() => {
        for (let i = 0; i < b.diffs; i++) bookTick(states[i % states.length]!);
      });
      return { diffs: b.diffs, frames: r.frames, bytes: r.bytes, ms: Date.now() - t0 };
    },
  };
}
