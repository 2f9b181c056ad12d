/**
 * Small pure helpers the adapters' hand-written parsers and request builders share: narrowing a parsed frame,
 * levels as decimal-string pairs, epoch-ms text, batching. Nothing here knows an exchange.
 */
import type { Level } from '../schema/events.js';

export type Obj = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A safe integer (a JSON number without fraction). */
export const isInt = Number.isSafeInteger as (v: unknown) => v is number;

/** A side's levels when every entry is exactly `[string, string]` (price, size); undefined otherwise. */
export function stringLevels(v: unknown): Level[] | undefined {
  if (!Array.isArray(v)) return undefined;
  for (let i = 0; i < v.length; i++) {
    const l: unknown = v[i];
    if (!Array.isArray(l) || l.length !== 2 || typeof l[0] !== 'string' || typeof l[1] !== 'string') return undefined;
  }
  return v as Level[];
}

/** Epoch-ms text (`"1597026383085"`) → epoch µs; undefined when absent, empty, negative or not an integer. */
export function msTextToMicros(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const ms = Number(ts);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms * 1000 : undefined;
}

/** Split into chunks of at most `size` (a request's cap on markets or topics). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Items (streams) grouped by a key (an exchange channel, a market), each group's names without repeats, keys and
 * names in first-seen order: the lists a batched subscribe request carries.
 */
export function groupNames<T>(items: readonly T[], key: (s: T) => string, name: (s: T) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of items) {
    const k = key(s);
    const list = out.get(k) ?? out.set(k, []).get(k)!;
    const n = name(s);
    if (!list.includes(n)) list.push(n);
  }
  return out;
}

/**
 * Unified fields read from a wire object through a `[wire key, unified field]` table (a dotted key reads a nested
 * object: `stats.high`): each non-empty string, through `norm`; absent, null or empty values stay absent.
 */
export function fieldsFrom<K extends string>(data: object, table: ReadonlyArray<readonly [string, K]>, norm: (v: string) => string = (v) => v): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [key, to] of table) {
    let v: unknown = data;
    for (const k of key.split('.')) v = isObj(v) ? v[k] : undefined;
    if (typeof v === 'string' && v !== '') out[to] = norm(v);
  }
  return out;
}
