/**
 * `Nats-Msg-Id` for each published event: JetStream drops a message whose id it has already stored within the
 * stream's `duplicate_window`, so a restarted publisher, a retried publish, or a second instance publishing the
 * same market must produce the SAME id for the same market fact and a DIFFERENT id for a different one.
 *
 * Ids never contain tickwire's own `seq`, `epoch` or `localTime` (they differ between two publishers of the same
 * fact), except for facts only one instance can know (its status events), which are keyed by epoch + seq.
 *
 * | event | id |
 * | --- | --- |
 * | trade | key · `t` · tradeId |
 * | book_delta with exchange ids | key · `d` · firstUpdateId · updateId · exchangeTime (Bybit restarts `u` after a resubscribe; the time keeps those apart) |
 * | book_delta without ids (Kraken, Coinbase `level2_batch`) | key · `d` · exchangeTime (else localTime) · content hash |
 * | book_snapshot (exchange's, or tickwire's conflation/re-snapshot) | key · `s` · updateId · exchangeTime · content hash |
 * | ticker | key · `k` · updateId · exchangeTime (else localTime) · content hash |
 * | book_top | key · `top` · localTime · content hash (a derived, per-instance ladder) |
 * | status | key · `st` · epoch · seq (one instance's own fact) |
 *
 * The content hash covers the event without `seq`, `epoch` and `localTime`. Consequences, by design:
 * - two snapshots of one book at the same updateId with the same levels are one message (two instances, or a
 *   periodic snapshot repeated) — harmless, the book state is the same;
 * - for feeds without ids, an identical message with the same exchange time inside the window is dropped; with
 *   absolute level sizes that only matters for an A→B→A flip of one level within one exchange timestamp.
 */
import { createHash } from 'node:crypto';
import type { MarketEvent } from '../schema/events.js';

function withoutLocal(key: string, value: unknown): unknown {
  return key === 'seq' || key === 'epoch' || key === 'localTime' ? undefined : value;
}

/** sha1 (base64url, 16 chars) of the event's content without seq/epoch/localTime. */
export function contentHash(e: MarketEvent): string {
  return createHash('sha1').update(JSON.stringify(e, withoutLocal)).digest('base64url').slice(0, 16);
}

function opt(v: number | string | undefined): string {
  return v === undefined ? '' : String(v);
}

export function msgIdFor(e: MarketEvent): string {
  switch (e.type) {
    case 'trade':
      return `${e.exchange}:${e.symbol}@trades|t|${e.tradeId}`;
    case 'book_delta':
      if (e.updateId !== undefined) {
        return `${e.exchange}:${e.symbol}@book|d|${opt(e.firstUpdateId)}|${e.updateId}|${opt(e.exchangeTime)}`;
      }
      return `${e.exchange}:${e.symbol}@book|d||${e.exchangeTime ?? e.localTime}|${contentHash(e)}`;
    case 'book_snapshot':
      return `${e.exchange}:${e.symbol}@book|s|${opt(e.updateId)}|${opt(e.exchangeTime)}|${contentHash(e)}`;
    case 'ticker':
      return `${e.exchange}:${e.symbol}@ticker|k|${opt(e.updateId)}|${e.exchangeTime ?? e.localTime}|${contentHash(e)}`;
    case 'book_top':
      return `${e.exchange}:${e.symbol}@book|top|${e.localTime}|${contentHash(e)}`;
    case 'derivative_ticker':
      return `${e.exchange}:${e.symbol}@derivative|dt|${e.exchangeTime ?? e.localTime}|${contentHash(e)}`;
    case 'liquidation':
      return `${e.exchange}:${e.symbol}@liquidations|l|${e.exchangeTime ?? e.localTime}|${e.side}|${e.price}|${e.size}`;
    case 'trade_bar':
      return `${e.exchange}:${e.symbol}@bars|b|${e.interval}|${e.start}|${e.lastTradeId}|${e.complete ? 1 : 0}`;
    case 'status':
      return `${e.exchange}:${opt(e.symbol)}@${e.channel ?? 'status'}|st|${e.epoch}|${e.seq}`;
  }
}
