/**
 * Active fault switches of one exchange server, and the questions the server asks them. Generic: knows nothing of
 * any exchange. Count-based faults are consumed as they fire; the others hold until cleared. Faults that act on
 * one outgoing data frame (drop-diff, garbage-diff, garbage-frame, a wrong checksum, a broken chain…) are taken
 * through `SimServer.takeFrameFault` / `takeDiffFault` / `takeGarbageFrame` (src/sim/server.ts), which take them only
 * when such a frame is about to reach a subscriber; `take` here is for faults that act on a reply or a connection.
 *
 * Defaults: `drop-diff` count 1; `rest-429`/`rest-418`/`rest-500` count 1 (Retry-After 1 s); `rest-slow` until
 * cleared unless a count is given; `silence`, `stop-all`, `black-hole` until cleared; `close` and
 * `server-shutdown` act once, immediately.
 */
import type { SimFault } from './types.js';

export type RestFaultKind = 'rest-429' | 'rest-418' | 'rest-500';

interface Active {
  fault: SimFault;
  /** Remaining firings; Infinity = until cleared. */
  left: number;
}

/** Read a field of any fault variant without widening to `any`. */
function field(f: SimFault, key: string): unknown {
  return (f as Record<string, unknown>)[key];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export class FaultSet {
  private active: Active[] = [];

  add(fault: SimFault): void {
    const count = num(field(fault, 'count'));
    const oneShotDefault = ['drop-diff', 'garbage-diff', 'garbage-frame', 'rest-429', 'rest-418', 'rest-500'];
    const left = count ?? (oneShotDefault.includes(fault.kind) ? 1 : Infinity);
    this.active.push({ fault, left });
  }

  clear(): void {
    this.active = [];
  }

  /** Remove one fault (the object passed to `add`). */
  remove(fault: SimFault): void {
    this.active = this.active.filter((a) => a.fault !== fault);
  }

  list(): SimFault[] {
    return this.active.map((a) => a.fault);
  }

  /** Any active fault of `kind` matching `pred`, without consuming it. */
  find(kind: string, pred: (f: SimFault) => boolean = () => true): SimFault | undefined {
    return this.active.find((a) => a.fault.kind === kind && a.left > 0 && pred(a.fault))?.fault;
  }

  /** Consume one firing of a fault of `kind` matching `pred`; returns it, or undefined when none is active. */
  take(kind: string, pred: (f: SimFault) => boolean = () => true): SimFault | undefined {
    const a = this.active.find((x) => x.fault.kind === kind && x.left > 0 && pred(x.fault));
    if (!a) return undefined;
    a.left -= 1;
    if (a.left <= 0) this.active = this.active.filter((x) => x !== a);
    return a.fault;
  }

  /** A connection-level fault (`silence` / `stop-all`) that applies to a connection carrying `symbols`. */
  connectionFault(kind: 'silence' | 'stop-all', symbols: ReadonlySet<string>): boolean {
    return this.active.some((a) => {
      if (a.fault.kind !== kind) return false;
      const s = str(field(a.fault, 'symbol'));
      return s === undefined || symbols.has(s);
    });
  }

  blackHoled(symbol: string): boolean {
    return this.find('black-hole', (f) => str(field(f, 'symbol')) === symbol) !== undefined;
  }

  /** The REST fault to answer the next request with, consumed. */
  takeRest(): SimFault | undefined {
    for (const kind of ['rest-429', 'rest-418', 'rest-500'] as const) {
      const f = this.take(kind);
      if (f) return f;
    }
    return undefined;
  }

  /** Delay for the next REST response (consumes a counted `rest-slow`). */
  takeRestDelay(): number {
    const f = this.take('rest-slow');
    return f ? Math.max(0, num(field(f, 'delayMs')) ?? 0) : 0;
  }
}

export function faultSymbol(f: SimFault): string | undefined {
  return str(field(f, 'symbol'));
}
export function faultNumber(f: SimFault, key: string): number | undefined {
  return num(field(f, key));
}
export function faultString(f: SimFault, key: string): string | undefined {
  return str(field(f, key));
}
