/**
 * Trade bars (candles) from the event stream: the state machine behind the `bars()` operator and the hub's `bars`
 * setting. Pure: events in, closed bars out (unstamped); no timers — exchange time only moves with events.
 *
 * - A trade falls in the bar `[floor(t / interval) × interval, + interval)`, t its `exchangeTime` (else `localTime`).
 * - A bar closes when a later trade of its market falls in a later bar, or when any event of the same exchange
 *   carries an `exchangeTime` at least `closeAfterMs` past the bar's end (other markets and channels may run a little
 *   ahead of this market's trades), or when `flush()` is called (the stream ended).
 * - `complete: false` when trades of the bar may be missing: the market's first bar (the stream started inside it),
 *   a bar open during — or the first bar after — a gap (a connection `reconnecting`/`closed`/`error`, a stream
 *   status `gap`/`error`/`no_data`/`closed`/`resyncing` of the market's trades, a `seq` hole or a new `epoch` of its
 *   trades), and a bar flushed before the exchange's time passed its end.
 * - A trade that belongs to a bar already emitted (it arrived more than `closeAfterMs` late) is in no bar; it is
 *   counted in `lateTrades` of the market's bar that is open when it arrives (or the next one).
 * - Volumes and VWAP are exact decimal arithmetic (never floats); VWAP is rounded half away from zero to 12
 *   fraction digits, trailing zeros removed.
 */
import type { MarketEvent, TradeBarEvent, TradeEvent } from '../schema/events.js';
import { ZERO, add, compare, divide, formatDec, mul, parseDec, type Dec } from '../util/exact-decimal.js';

export type UnstampedBar = Omit<TradeBarEvent, 'seq' | 'epoch'>;

export interface BarOptions {
  /** `<n>s`, `<n>m`, `<n>h` or `<n>d`, e.g. `1s`, `5s`, `1m`, `5m`, `1h`, `1d`. */
  interval: string;
  /** Close a bar once another event of its exchange is this far past the bar's end (exchange time). Default 1000. */
  closeAfterMs?: number;
}

export const VWAP_DIGITS = 12;

const UNIT_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6 };

/** The interval in microseconds; throws on a malformed interval. */
export function parseBarInterval(interval: string): number {
  const m = /^([1-9]\d*)([smhd])$/.exec(interval);
  if (m === null) throw new Error(`bad bar interval ${JSON.stringify(interval)}: expected e.g. 1s, 5s, 1m, 5m, 1h, 1d`);
  const us = Number(m[1]) * UNIT_US[m[2]!]!;
  if (!Number.isSafeInteger(us)) throw new Error(`bar interval ${interval} is too long`);
  return us;
}

interface OpenBar {
  start: number;
  open: string;
  high: string;
  highDec: Dec;
  low: string;
  lowDec: Dec;
  close: string;
  volume: Dec;
  buy: Dec;
  sell: Dec;
  notional: Dec;
  trades: number;
  firstTradeId: string;
  lastTradeId: string;
  complete: boolean;
}

interface MarketBars {
  readonly exchange: TradeEvent['exchange'];
  readonly symbol: string;
  market: string;
  bar: OpenBar | undefined;
  /** End of the last emitted bar: a trade before it is late. */
  closedUntil: number;
  /** Trades may have been lost since the open bar (or the last one) closed: the next bar is incomplete. */
  lost: boolean;
  late: number;
  lastSeq: number | undefined;
  epoch: string | undefined;
}

/** Connection states after which trades of every market of the exchange may be missing. */
const CONNECTION_LOSS = new Set(['reconnecting', 'closed', 'error', 'gap']);
/** Stream states of a market's trades (or of the whole market) after which trades may be missing. */
const STREAM_LOSS = new Set(['gap', 'error', 'no_data', 'closed', 'reconnecting', 'resyncing']);

export class BarBuilder {
  readonly intervalUs: number;
  private readonly closeAfterUs: number;
  private readonly markets = new Map<string, MarketBars>();
  /** exchange → the latest exchange time seen on any of its events. */
  private readonly watermark = new Map<string, number>();
  /** exchange → earliest `end + closeAfter` of its open bars (skip the scan until the watermark reaches it). */
  private readonly nextDue = new Map<string, number>();

  constructor(readonly options: BarOptions) {
    this.intervalUs = parseBarInterval(options.interval);
    const closeAfterMs = options.closeAfterMs ?? 1000;
    if (!(closeAfterMs >= 0)) throw new Error(`closeAfterMs must be ≥ 0, got ${closeAfterMs}`);
    this.closeAfterUs = Math.round(closeAfterMs * 1000);
  }

  /** Feed one event; returns the bars it closed (often none). */
  onEvent(e: MarketEvent): UnstampedBar[] {
    const out: UnstampedBar[] = [];
    if (e.type === 'status') {
      this.onStatus(e);
      return out;
    }
    if (e.type === 'trade_bar') return out;
    if (e.type === 'trade') this.onTrade(e, out);
    if (e.exchangeTime !== undefined) this.advance(e.exchange, e.exchangeTime, e.localTime, out);
    return out;
  }

  /** Close every open bar (the stream ended). A bar whose end the exchange's time has not reached is incomplete. */
  flush(localTime: number): UnstampedBar[] {
    const out: UnstampedBar[] = [];
    for (const m of this.markets.values()) {
      if (m.bar === undefined) continue;
      const wm = this.watermark.get(m.exchange) ?? -Infinity;
      if (wm < m.bar.start + this.intervalUs) m.bar.complete = false;
      this.close(m, localTime, out);
    }
    this.nextDue.clear();
    return out;
  }

  private onStatus(e: Extract<MarketEvent, { type: 'status' }>): void {
    if (e.scope === 'connection') {
      if (!CONNECTION_LOSS.has(e.state) || e.connectionId === undefined || e.connectionId.startsWith('rest:')) return;
      for (const m of this.markets.values()) if (m.exchange === e.exchange) this.lose(m);
      return;
    }
    if (e.symbol === undefined || !STREAM_LOSS.has(e.state)) return;
    if (e.channel !== undefined && e.channel !== 'trades') return; // a book resync alone loses no trade
    const m = this.markets.get(`${e.exchange}:${e.symbol}`);
    if (m !== undefined) this.lose(m);
  }

  private lose(m: MarketBars): void {
    m.lost = true;
    if (m.bar !== undefined) m.bar.complete = false;
  }

  private onTrade(e: TradeEvent, out: UnstampedBar[]): void {
    const key = `${e.exchange}:${e.symbol}`;
    let m = this.markets.get(key);
    if (m === undefined) {
      // the stream starts inside this market's first bar: trades before it were not seen
      m = { exchange: e.exchange, symbol: e.symbol, market: e.market, bar: undefined, closedUntil: -Infinity, lost: true, late: 0, lastSeq: undefined, epoch: undefined };
      this.markets.set(key, m);
    }
    if (m.epoch !== e.epoch) {
      if (m.epoch !== undefined) this.lose(m);
      m.epoch = e.epoch;
    } else if (m.lastSeq !== undefined && e.seq !== m.lastSeq + 1) {
      this.lose(m);
    }
    m.lastSeq = e.seq;
    m.market = e.market;
    const t = e.exchangeTime ?? e.localTime;
    const start = t - (((t % this.intervalUs) + this.intervalUs) % this.intervalUs);
    if (start + this.intervalUs <= m.closedUntil || (m.bar !== undefined && start < m.bar.start)) {
      m.late++;
      return;
    }
    if (m.bar !== undefined && start > m.bar.start) this.close(m, e.localTime, out);
    const price = parseDec(e.price);
    const size = parseDec(e.size);
    let b = m.bar;
    if (b === undefined) {
      const zero = { units: 0n, scale: size.scale }; // sums spelled with the first size's digits at least
      b = m.bar = {
        start,
        open: e.price,
        high: e.price,
        highDec: price,
        low: e.price,
        lowDec: price,
        close: e.price,
        volume: zero,
        buy: zero,
        sell: zero,
        notional: ZERO,
        trades: 0,
        firstTradeId: e.tradeId,
        lastTradeId: e.tradeId,
        complete: !m.lost,
      };
      m.lost = false;
      const due = start + this.intervalUs + this.closeAfterUs;
      if (due < (this.nextDue.get(e.exchange) ?? Infinity)) this.nextDue.set(e.exchange, due);
    }
    if (compare(price, b.highDec) > 0) {
      b.high = e.price;
      b.highDec = price;
    }
    if (compare(price, b.lowDec) < 0) {
      b.low = e.price;
      b.lowDec = price;
    }
    b.close = e.price;
    b.volume = add(b.volume, size);
    if (e.side === 'buy') b.buy = add(b.buy, size);
    else b.sell = add(b.sell, size);
    b.notional = add(b.notional, mul(price, size));
    b.trades++;
    b.lastTradeId = e.tradeId;
  }

  private advance(exchange: string, exchangeTime: number, localTime: number, out: UnstampedBar[]): void {
    const wm = this.watermark.get(exchange);
    if (wm !== undefined && exchangeTime <= wm) return;
    this.watermark.set(exchange, exchangeTime);
    const due = this.nextDue.get(exchange);
    if (due === undefined || exchangeTime < due) return;
    let next = Infinity;
    for (const m of this.markets.values()) {
      if (m.exchange !== exchange || m.bar === undefined) continue;
      const d = m.bar.start + this.intervalUs + this.closeAfterUs;
      if (d <= exchangeTime) this.close(m, localTime, out);
      else if (d < next) next = d;
    }
    if (next === Infinity) this.nextDue.delete(exchange);
    else this.nextDue.set(exchange, next);
  }

  private close(m: MarketBars, localTime: number, out: UnstampedBar[]): void {
    const b = m.bar!;
    m.bar = undefined;
    const end = b.start + this.intervalUs;
    m.closedUntil = end;
    const zeroVolume = b.volume.units === 0n;
    out.push({
      type: 'trade_bar',
      exchange: m.exchange,
      symbol: m.symbol,
      market: m.market,
      localTime,
      interval: this.options.interval,
      start: b.start,
      end,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: formatDec(b.volume),
      buyVolume: formatDec(b.buy),
      sellVolume: formatDec(b.sell),
      trades: b.trades,
      // only zero-size trades (no exchange sends them): no volume to weigh by, so the close
      vwap: zeroVolume ? b.close : formatDec(divide(b.notional, b.volume, VWAP_DIGITS), true),
      firstTradeId: b.firstTradeId,
      lastTradeId: b.lastTradeId,
      complete: b.complete,
      ...(m.late > 0 ? { lateTrades: m.late } : {}),
    });
    m.late = 0;
  }
}
