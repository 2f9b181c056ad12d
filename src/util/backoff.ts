/**
 * Capped exponential backoff with "equal" jitter, used by the connection (reconnects) and the REST scheduler
 * (retries). Jitter on every attempt: the delay is uniform in [cap/2, cap] with
 * cap = min(maxMs, initialMs · factor^(attempt-1)), so many clients reconnecting at once spread out instead of
 * stampeding in lockstep, while the delay still provably grows from one attempt to the next (until the cap).
 */
export interface BackoffOptions {
  /** Cap of the first retry's delay. */
  initialMs: number;
  /** Upper bound of every delay. */
  maxMs: number;
  /** Growth of the cap per attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, factor: 2 };

export function resolveBackoff(partial: Partial<BackoffOptions> | undefined): BackoffOptions {
  const b = { ...DEFAULT_BACKOFF, ...partial };
  if (!(b.initialMs >= 0) || !(b.maxMs >= 0) || !(b.factor >= 1)) {
    throw new RangeError(`invalid backoff ${JSON.stringify(b)}: need initialMs >= 0, maxMs >= 0, factor >= 1`);
  }
  return b;
}

/** The cap (before jitter) of retry number `attempt` (1-based). */
export function backoffCap(attempt: number, b: BackoffOptions): number {
  if (attempt < 1) return 0;
  return Math.min(b.maxMs, b.initialMs * Math.pow(b.factor, attempt - 1));
}

/** The jittered delay of retry number `attempt` (1-based): uniform in [cap/2, cap]. `random` returns [0, 1). */
export function backoffDelay(attempt: number, b: BackoffOptions, random: () => number = Math.random): number {
  const cap = backoffCap(attempt, b);
  return Math.round(cap / 2 + random() * (cap / 2));
}
