/**
 * Which instrument a user's market reference names: `exchange:REF`, where REF is a unified symbol (`BTC/USDT`), a
 * derivative in the settle form (`BTC/USDT:USDT`, `BTC/USD:BTC-241227`, `BTC/USD:BTC-241227-60000-C`) or the
 * exchange's native id (`BTCUSDT`, `BTC-USDT-SWAP`). Pure: built once from the instrument list, no I/O.
 *
 * Order: the unified symbol first, then the settle form, then the native id, then the adapter's own
 * unified→native guess (`toMarket`, e.g. Kraken's `XBT/USD`). A unified symbol that several instruments share is
 * refused with the native ids to choose from, never resolved to one of them silently.
 */
import type { Instrument } from '../exchanges/types.js';
import { yymmdd as yymmddOfMs } from '../schema/settle-form.js';

export type Resolution =
  | { ok: true; instrument: Instrument; via: 'symbol' | 'settle' | 'market' }
  | { ok: false; why: 'unknown'; reason: string }
  | { ok: false; why: 'ambiguous'; reason: string; candidates: string[] };

/** `YYMMDD` (UTC) of an epoch-µs time, as in the settle form's expiry (src/schema/settle-form.ts). */
export const yymmdd = (micros: number): string => yymmddOfMs(Math.floor(micros / 1000));

/**
 * The settle form of a derivative, `BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]` (the convention ccxt and others use),
 * or undefined when the instrument's facts do not give it (a spot market, a derivative without `settle`, a dated
 * one without `expiry`, an option without strike or type).
 */
export function settleSymbol(inst: Instrument): string | undefined {
  if (inst.kind === undefined || inst.kind === 'spot' || inst.settle === undefined) return undefined;
  const head = `${inst.base}/${inst.quote}:${inst.settle}`;
  if (inst.kind === 'perpetual') return head;
  if (inst.expiry === undefined) return undefined;
  const dated = `${head}-${yymmdd(inst.expiry)}`;
  if (inst.kind === 'future') return dated;
  if (inst.strike === undefined || inst.optionType === undefined) return undefined;
  return `${dated}-${inst.strike}-${inst.optionType === 'call' ? 'C' : 'P'}`;
}

function push(map: Map<string, Instrument[]>, key: string, inst: Instrument): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [inst]);
  else if (!list.includes(inst)) list.push(inst);
}

export class InstrumentIndex {
  private readonly bySymbol = new Map<string, Instrument[]>();
  private readonly bySettle = new Map<string, Instrument[]>();
  private readonly byMarket = new Map<string, Instrument>();

  constructor(
    readonly exchange: string,
    instruments: Iterable<Instrument>,
    /** The adapter's unified → native guess, tried last. */
    private readonly toMarket: (ref: string) => string = (r) => r,
  ) {
    for (const inst of instruments) {
      push(this.bySymbol, inst.symbol.toUpperCase(), inst);
      const s = settleSymbol(inst);
      if (s !== undefined) push(this.bySettle, s.toUpperCase(), inst);
      this.byMarket.set(inst.market, inst);
      if (!this.byMarket.has(inst.market.toUpperCase())) this.byMarket.set(inst.market.toUpperCase(), inst);
    }
  }

  /** The instrument of a native id, exactly as the exchange spells it. */
  market(market: string): Instrument | undefined {
    return this.byMarket.get(market);
  }

  resolve(ref: string): Resolution {
    const key = ref.trim().toUpperCase();
    const named = this.pick(key, this.bySymbol.get(key), 'symbol') ?? this.pick(key, this.bySettle.get(key), 'settle');
    if (named !== undefined) return named;
    const direct = this.byMarket.get(ref.trim()) ?? this.byMarket.get(key);
    if (direct !== undefined) return { ok: true, instrument: direct, via: 'market' };
    let guessed: string | undefined;
    try {
      guessed = this.toMarket(ref);
    } catch {
      guessed = undefined;
    }
    const viaGuess = guessed === undefined ? undefined : this.byMarket.get(guessed);
    if (viaGuess !== undefined) return { ok: true, instrument: viaGuess, via: 'market' };
    return { ok: false, why: 'unknown', reason: `${ref} is not listed on ${this.exchange} (neither a unified symbol nor a native id)` };
  }

  private pick(ref: string, list: Instrument[] | undefined, via: 'symbol' | 'settle'): Resolution | undefined {
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return { ok: true, instrument: list[0]!, via };
    const candidates = list.map((i) => i.market).sort();
    return {
      ok: false,
      why: 'ambiguous',
      reason: `${ref} is ambiguous on ${this.exchange}: it names ${candidates.length} instruments (${candidates.join(', ')}); give one by its native id, e.g. ${this.exchange}:${candidates[0]}`,
      candidates,
    };
  }
}
