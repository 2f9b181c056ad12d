/**
 * The exchange refused a subscription of a stream (first subscribe, or a re-subscribe after a reconnect or a
 * resync). Permanent — an unknown symbol that the instrument list does not contradict (not listed, or the list
 * could not be loaded): the stream is removed (status `error`, `details.permanent`). Anything else — rate limits,
 * maintenance, an "invalid symbol" for a symbol the exchange lists as trading, any other error — is transient:
 * status `error` with `details.retryInMs`, the book (not receiving data) is marked `resyncing`, and the stream is
 * subscribed again after a capped, jittered backoff, for as long as it is wanted (the attempt count resets when its
 * data flows: `clear`). The runtime does the I/O; this keeps the attempts and the retry timers.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Channel } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import type { BackoffOptions } from '../util/backoff.js';
import { backoffDelay } from '../util/backoff.js';

/** Is a refusal permanent? Only an unknown symbol the exchange does not list as trading. */
export function isPermanentRefusal(code: TwCode, listedAsTrading: boolean): boolean {
  return code === 'TW_ERR_UNKNOWN_SYMBOL' && !listedAsTrading;
}

export type RefusalVerdict = { permanent: true } | { permanent: false; attempt: number; retryInMs: number };

export class Refusals {
  /** `market|channel` → attempts so far and the pending retry. */
  private readonly pending = new Map<string, { attempt: number; timer: Subscription | undefined }>();

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly backoff: BackoffOptions,
    private readonly random?: () => number,
  ) {}

  /** Streams with a refusal on record (0 on the hot path: nothing to clear). */
  get size(): number {
    return this.pending.size;
  }

  /** A refusal of `market` `channel`: the verdict (a transient one counts an attempt and names its backoff). */
  refuse(market: string, channel: Channel, code: TwCode, listedAsTrading: boolean): RefusalVerdict {
    if (isPermanentRefusal(code, listedAsTrading)) return { permanent: true };
    const key = `${market}|${channel}`;
    let r = this.pending.get(key);
    if (r === undefined) this.pending.set(key, (r = { attempt: 0, timer: undefined }));
    r.attempt++;
    return { permanent: false, attempt: r.attempt, retryInMs: backoffDelay(r.attempt, this.backoff, this.random) };
  }

  /** After a transient verdict: `retry` in `ms` (replacing a retry of the stream still pending). */
  retryAfter(market: string, channel: Channel, ms: number, retry: () => void): void {
    const r = this.pending.get(`${market}|${channel}`);
    if (r === undefined) return;
    r.timer?.unsubscribe();
    r.timer = this.scheduler.schedule(() => {
      r.timer = undefined;
      retry();
    }, ms);
  }

  /** The stream's data flows (or it was removed): attempts forgotten, a pending retry cancelled. */
  clear(market: string, channel: Channel): void {
    const key = `${market}|${channel}`;
    const r = this.pending.get(key);
    if (r === undefined) return;
    r.timer?.unsubscribe();
    this.pending.delete(key);
  }

  close(): void {
    for (const r of this.pending.values()) r.timer?.unsubscribe();
    this.pending.clear();
  }
}
