/**
 * The ladder `tickwire top` draws: best asks above best bids, sizes with bars, the spread, and the book's state
 * (trusted or not, the last status). Pure: a frame is a string; the command clears the screen and writes it.
 */
import type { Level } from '../../schema/events.js';
import type { Paint } from './terminal.js';

export interface LadderView {
  exchange: string;
  symbol: string;
  bids: readonly Level[];
  asks: readonly Level[];
  updateId: number | undefined;
  /** Verified live (between a snapshot and the next resyncing/closed/error status). */
  trusted: boolean;
  /** Last status of the book (`live`, `resyncing`…) and its reason. */
  state: string;
  reason: string;
  /** Header time, already formatted. */
  time: string;
}

const BAR = 24;

/** `a - b` of two decimal strings, exact (scaled integers), for the spread. */
export function decimalDiff(a: string, b: string): string {
  const frac = (s: string): number => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
  const scale = Math.max(frac(a), frac(b));
  const int = (s: string): bigint => {
    const [i = '0', f = ''] = s.split('.');
    const neg = i.startsWith('-');
    const v = BigInt((neg ? i.slice(1) : i) + f.padEnd(scale, '0'));
    return neg ? -v : v;
  };
  const d = int(a) - int(b);
  const neg = d < 0n;
  const digits = (neg ? -d : d).toString().padStart(scale + 1, '0');
  const out = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${out}` : out;
}

export function renderLadder(v: LadderView, p: Paint): string {
  const rows = [...v.asks.map((l) => ['ask', l] as const).reverse(), ...v.bids.map((l) => ['bid', l] as const)];
  const max = Math.max(0, ...rows.map(([, l]) => Number(l[1])));
  const pw = Math.max(6, ...rows.map(([, l]) => l[0].length));
  const sw = Math.max(4, ...rows.map(([, l]) => l[1].length));
  const state = v.trusted ? p.green(v.state) : p.yellow(`${v.state} — not trusted until resynced`);
  const out: string[] = [
    `${p.bold(`${v.exchange} ${v.symbol}`)}  ${state}  #${v.updateId ?? '-'}  ${p.dim(v.time)}`,
    p.dim(v.reason),
    '',
    `${'price'.padStart(pw)}  ${'size'.padStart(sw)}`,
  ];
  const line = (side: 'ask' | 'bid', l: Level): string => {
    const bar = '█'.repeat(max > 0 ? Math.round((Number(l[1]) / max) * BAR) : 0);
    const c = side === 'ask' ? p.red : p.green;
    return `${c(l[0].padStart(pw))}  ${l[1].padStart(sw)}  ${c(bar)}`;
  };
  for (const [side, l] of rows.slice(0, v.asks.length)) out.push(line(side, l));
  const bb = v.bids[0];
  const ba = v.asks[0];
  out.push(p.dim(bb && ba ? `${'spread'.padStart(pw)}  ${decimalDiff(ba[0], bb[0]).padStart(sw)}` : `${'spread'.padStart(pw)}  ${'-'.padStart(sw)}`));
  for (const [side, l] of rows.slice(v.asks.length)) out.push(line(side, l));
  if (v.bids.length === 0 && v.asks.length === 0) out.push(p.dim('(no book yet)'));
  return out.join('\n') + '\n';
}
