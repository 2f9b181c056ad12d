/**
 * `Retry-After` in milliseconds: delay-seconds (an integer) or an HTTP-date; undefined when absent or unreadable.
 * `unitMs` scales delay-seconds (1000 in production; tests shrink it).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, unitMs = 1000): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * unitMs;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
