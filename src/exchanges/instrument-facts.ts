/** Small pure helpers the adapters' `parseInstruments` share to fill the optional instrument facts. */
import type { Instrument } from './types.js';

const PLAIN = /^\d+(\.\d+)?$/;

/** A plain non-negative decimal string as the exchange wrote it, or undefined (absent, empty, not a number). */
export function decimalFact(v: string | number | undefined | null): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? String(v) : undefined;
  return typeof v === 'string' && PLAIN.test(v) ? v : undefined;
}

/** `10^-n` as a plain decimal string (`2` → `"0.01"`, `0` → `"1"`): an exchange's "decimals" figure as a step. */
export function stepOfDecimals(n: number | undefined): string | undefined {
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 30) return undefined;
  return n === 0 ? '1' : `0.${'0'.repeat(n - 1)}1`;
}

/** Decimal places of a tick/lot step, the inverse of `stepOfDecimals`: `"0.1"` → 1, `"1"` → 0, `"0.00010"` → 4. */
export function decimalsOfStep(step: string | undefined): number | undefined {
  if (step === undefined || !/^\d+(\.\d+)?$/.test(step)) return undefined;
  const dot = step.indexOf('.');
  return dot === -1 ? 0 : step.slice(dot + 1).replace(/0+$/, '').length;
}

/** Epoch milliseconds (number or digit string) → epoch µs; undefined for absent, empty or 0. */
export function msToMicros(ms: string | number | undefined): number | undefined {
  const n = typeof ms === 'string' ? (/^\d+$/.test(ms) ? Number(ms) : NaN) : ms;
  return n === undefined || !Number.isSafeInteger(n) || n <= 0 ? undefined : n * 1000;
}

/** Copy the defined facts onto an instrument (optional properties stay absent rather than `undefined`). */
export function withFacts<T extends Instrument>(inst: T, facts: Partial<Instrument>): T {
  for (const [k, v] of Object.entries(facts)) if (v !== undefined) (inst as Record<string, unknown>)[k] = v;
  return inst;
}
