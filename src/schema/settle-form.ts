/**
 * The settle form of a derivative's unified symbol, `BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]` (src/schema/instrument.ts;
 * `settleSymbol` in src/pipeline/resolve.ts writes it), read into its parts; `YYMMDD` of a time; month codes.
 * Pure; shared by the adapters that spell the form their own way (Deribit) and by the simulator.
 */

export interface SettleForm {
  base: string;
  quote: string;
  /** Absent on a plain `BASE/QUOTE`. */
  settle?: string;
  /** `YYMMDD` of a dated future or an option, with its parts. */
  expiry?: { ymd: string; year: number; month: number; day: number };
  strike?: string;
  optionType?: 'C' | 'P';
}

export const MONTH_CODES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

/** `BTC/USD:BTC-241227-3000-C` → its parts; undefined when the symbol is not in that form (or a plain `BASE/QUOTE`). */
export function readSettleForm(symbol: string): SettleForm | undefined {
  const m = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)(?::([A-Za-z0-9]+)(?:-(\d\d)(\d\d)(\d\d)(?:-([0-9.]+)-([CP]))?)?)?$/.exec(symbol);
  if (m === null) return undefined;
  const [, base = '', quote = '', settle, yy, mm, dd, strike, cp] = m;
  const out: SettleForm = { base, quote };
  if (settle !== undefined) out.settle = settle;
  if (yy !== undefined && mm !== undefined && dd !== undefined) out.expiry = { ymd: `${yy}${mm}${dd}`, year: 2000 + Number(yy), month: Number(mm), day: Number(dd) };
  if (strike !== undefined && cp !== undefined) Object.assign(out, { strike, optionType: cp });
  return out;
}

/** Epoch ms → `YYMMDD` (UTC). */
export function yymmdd(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
}
