/**
 * Error replies and unreadable data, routed to the streams they hit. An error reply names a market (and channel),
 * or only the request id of a subscribe message (request-ids.ts); with neither it is a connection-scoped `error`
 * status. Per stream hit:
 * - on the connection replacing the stream's (make-before-break): the replacement's (`MarketHandover.refused`) —
 *   the old connection's book stays live;
 * - an unreadable book message (`TW_ERR_MALFORMED_FRAME`): a stream `error` status, the book resynced;
 * - anything else is a refused subscription (refusals.ts): removed when permanent, else retried with backoff, the
 *   book `resyncing` meanwhile.
 * A frame that could not be read at all resyncs the books it may have carried (`unreadableBookData`).
 */
import type { SchedulerLike } from 'rxjs';
import type { Channel } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import type { StreamRef, WireMessage } from '../exchanges/types.js';
import type { BackoffOptions } from '../util/backoff.js';
import { backoffDelay } from '../util/backoff.js';
import type { BookDriver } from './book-driver.js';
import type { ConnSlot } from './connection-pool.js';
import { marketsNamedIn } from './frame-blame.js';
import type { MarketHandover } from './handover.js';
import type { MarketState } from './market-state.js';
import type { Refusals } from './refusals.js';
import type { RequestIds } from './request-ids.js';
import type { StatusFields } from './runtime-types.js';

export interface StreamErrorsHost {
  readonly markets: ReadonlyMap<string, MarketState>;
  readonly requests: RequestIds;
  readonly refusals: Refusals;
  readonly scheduler: SchedulerLike;
  readonly backoff: BackoffOptions;
  readonly random: (() => number) | undefined;
  /** The runtime is closing: no retries. */
  readonly closed: boolean;
  /** Can this feed's books not tell from their next message that one was lost (continuity.ts)? */
  readonly unprovenAfterLoss: boolean;
  replacementFor(slot: ConnSlot, st: MarketState): MarketHandover | undefined;
  /** The book of `market` that `slot` feeds (the market's own, or its shadow on a replacement). */
  bookOn(slot: ConnSlot, market: string): BookDriver | undefined;
  /** Does the instrument list name `market` as trading? */
  listedAsTrading(market: string): boolean;
  status(e: StatusFields, localTime?: number): void;
  /** Unsubscribe channels of a symbol (the runtime's `remove`). */
  remove(symbol: string, channels: readonly Channel[]): void;
  /** Subscribe `market` `channel` again on `slot` (if it is open). */
  resubscribe(slot: ConnSlot, market: string, channel: Channel): void;
}

export class StreamErrors {
  constructor(private readonly host: StreamErrorsHost) {}

  /** An error reply on `slot`. */
  onError(slot: ConnSlot, msg: Extract<WireMessage, { kind: 'error' }>, localTime: number): void {
    const host = this.host;
    let targets: StreamRef[] = [];
    if (msg.market !== undefined) {
      const st = host.markets.get(msg.market);
      if (st) targets = (msg.channel ? [msg.channel] : [...st.channels]).map((channel) => ({ market: st.market, channel }));
    } else {
      targets = host.requests.take(msg.id) ?? [];
    }
    if (targets.length === 0) {
      host.status({ scope: 'connection', state: 'error', code: msg.code, reason: msg.message, connectionId: slot.conn.id }, localTime);
      return;
    }
    for (const { market, channel } of targets) {
      const st = host.markets.get(market);
      if (!st || !st.channels.has(channel)) continue;
      const mh = st.slot === slot ? undefined : host.replacementFor(slot, st);
      if (mh !== undefined) {
        // an answer on the replacement is the replacement's (handover.ts): the old book stays live
        mh.refused(channel, msg.code, msg.message, localTime, {
          connectionId: slot.conn.id,
          delayMs: (n) => backoffDelay(n, host.backoff, host.random),
          status: (e) => host.status(e, localTime),
          retry: (ch, ms) =>
            void host.scheduler.schedule(() => {
              const wanted = host.markets.get(market) === st && st.channels.has(ch) && (st.slot === slot || host.replacementFor(slot, st) === mh) && mh.wantsRetry(ch);
              if (!host.closed && wanted && slot.conn.isOpen) host.resubscribe(slot, market, ch);
            }, ms),
        });
        continue;
      }
      // a book message of this market could not be read: the book lost an update
      if (msg.code === 'TW_ERR_MALFORMED_FRAME') {
        host.status({ scope: 'stream', state: 'error', code: msg.code, reason: msg.message, symbol: st.symbol, market, channel }, localTime);
        if (channel === 'book' && st.book?.state === 'live') {
          st.book.invalidate('TW_ERR_MALFORMED_FRAME', `unreadable book message: ${msg.message}`, localTime);
        }
        continue;
      }
      this.onRefused(st, channel, msg.code, msg.message, localTime);
    }
  }

  /** The exchange refused a subscription of `channel` of `st` (see refusals.ts). */
  private onRefused(st: MarketState, channel: Channel, code: TwCode, message: string, localTime: number): void {
    const host = this.host;
    const base = { scope: 'stream' as const, state: 'error' as const, code, reason: message, symbol: st.symbol, market: st.market, channel };
    const verdict = host.refusals.refuse(st.market, channel, code, host.listedAsTrading(st.market));
    if (verdict.permanent) {
      host.remove(st.symbol, [channel]); // before the status: a consumer counting what is left sees it gone
      host.status({ ...base, details: { permanent: true } }, localTime);
      return;
    }
    const { attempt, retryInMs } = verdict;
    host.status({ ...base, details: { permanent: false, attempt, retryInMs } }, localTime);
    if (channel === 'book' && st.book?.state === 'live') st.book.invalidate(code === 'TW_OK' ? 'TW_ERR_EXCHANGE_ERROR' : code, `subscription refused: ${message}`, localTime, { retryInMs }, false);
    host.refusals.retryAfter(st.market, channel, retryInMs, () => {
      const cur = host.markets.get(st.market);
      if (host.closed || cur === undefined || !cur.channels.has(channel) || !cur.slot.conn.isOpen) return; // an open re-sends all
      host.resubscribe(cur.slot, cur.market, channel);
    });
  }

  /**
   * A frame that may have carried book data could not be read: the books it was for lost an update. The books it
   * names (`market`, or the connection's market ids found in its text) are resynced. A frame that names none
   * could have been for any book of the connection: books whose feed proves continuity (a per-book chain or a
   * checksum) will catch the loss on their next message; every other book of the connection is resynced now.
   */
  unreadableBookData(slot: ConnSlot, frame: string, market: string | undefined, reason: string, localTime: number): void {
    const named = market !== undefined ? [market] : marketsNamedIn(frame, slot.markets);
    const targets = named.length > 0 ? named : this.host.unprovenAfterLoss ? [...slot.markets] : [];
    for (const m of targets) {
      const book = this.host.bookOn(slot, m);
      if (book?.state === 'live') book.invalidate('TW_ERR_MALFORMED_FRAME', reason, localTime, { connectionId: slot.conn.id });
    }
  }
}
