/**
 * What the dashboard knows about one market (`exchange:BASE/QUOTE`) from its `@book`, `@trades` and `@ticker`
 * streams (pure: no DOM). The book is shown as trustworthy only while `state` is `live`.
 */
import { LocalBook, type BookMessage, type Level } from './book.js';

export const CHANNELS = ['book', 'trades', 'ticker'] as const;
export const MAX_TRADES = 40;

export interface Trade {
  price: string;
  size: string;
  side: 'buy' | 'sell';
  time: number;
}

export interface Ticker {
  last?: string;
  bidPrice?: string;
  askPrice?: string;
  high24h?: string;
  low24h?: string;
  volume24h?: string;
  open24h?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export class MarketView {
  readonly book = new LocalBook();
  /** Book state from the stream's statuses: `waiting` before any, then `syncing`, `live`, `resyncing`, `gap`… */
  state = 'waiting';
  connection = '';
  lastReason = '';
  lastCode = '';
  readonly trades: Trade[] = [];
  ticker: Ticker = {};
  /** Stream messages received (all channels), for the event rate. */
  events = 0;
  /** Holes in a subscription's `seq` (messages the server had to drop). */
  lost = 0;
  /** Set on every change; the renderer clears it. */
  dirty = true;
  private readonly lastSeq = new Map<string, { epoch: string; seq: number }>();

  constructor(readonly market: string) {}

  streams(): string[] {
    return CHANNELS.map((c) => `${this.market}@${c}`);
  }

  /** Apply one server message of one of this market's streams. */
  apply(m: Record<string, unknown>): void {
    this.events++;
    this.dirty = true;
    const stream = str(m['stream']) ?? '';
    const epoch = str(m['epoch']);
    const seq = m['seq'];
    if (epoch !== undefined && typeof seq === 'number') {
      const prev = this.lastSeq.get(stream);
      if (prev !== undefined && prev.epoch === epoch && seq > prev.seq + 1) this.lost += seq - prev.seq - 1;
      this.lastSeq.set(stream, { epoch, seq });
    }
    switch (m['type']) {
      case 'book_snapshot':
      case 'book_delta':
      case 'book_top':
        this.book.apply(m as unknown as BookMessage);
        // The server sends a snapshot first only for a live book (or the one ending a sync, `live` follows), and
        // after a gap of ours (conflated while behind) a fresh one of the live book: either makes the book whole.
        // After `resyncing`, only the `live` status does.
        if (m['type'] === 'book_snapshot' && (this.state === 'waiting' || this.state === 'gap')) this.state = 'live';
        return;
      case 'trade': {
        const side = m['side'] === 'sell' ? 'sell' : 'buy';
        const time = typeof m['exchangeTime'] === 'number' ? m['exchangeTime'] : Number(m['localTime']);
        this.trades.unshift({ price: str(m['price']) ?? '', size: str(m['size']) ?? '', side, time });
        if (this.trades.length > MAX_TRADES) this.trades.length = MAX_TRADES;
        return;
      }
      case 'ticker': {
        const t: Ticker = {};
        for (const k of ['last', 'bidPrice', 'askPrice', 'high24h', 'low24h', 'volume24h', 'open24h'] as const) {
          const v = str(m[k]) ?? this.ticker[k];
          if (v !== undefined) t[k] = v;
        }
        this.ticker = t;
        return;
      }
      case 'status':
        this.status(stream, m);
        return;
    }
  }

  private status(stream: string, m: Record<string, unknown>): void {
    const state = str(m['state']) ?? '';
    this.lastReason = str(m['reason']) ?? '';
    this.lastCode = str(m['code']) ?? '';
    if (m['scope'] === 'connection') {
      this.connection = state;
      return;
    }
    // `subscribed` says nothing about the book; `reconciled` confirms a live book against REST
    if (!stream.endsWith('@book') || state === 'subscribed' || (state === 'reconciled' && this.state === 'live')) return;
    this.state = state;
  }

  /**
   * The page's socket to the server closed (`disconnected`) or reopened (`waiting`: the resubscription's first
   * snapshot replaces the book). Until then the book is not shown as trustworthy.
   */
  socket(state: 'disconnected' | 'waiting', reason: string): void {
    this.state = state;
    this.lastReason = reason;
    this.lastCode = state === 'disconnected' ? 'TW_ERR_CONNECTION' : 'TW_OK';
    this.dirty = true;
  }

  /** True when the book may be shown as the exchange's book. */
  trusted(): boolean {
    return this.state === 'live' && this.book.hasSnapshot;
  }

  top(n: number): { bids: Level[]; asks: Level[] } {
    return this.book.top(n);
  }
}
