/** The simulator servers' request and frame log. */
import type { SimLogEntry } from './types.js';

/** The log of every request and frame received (plus control frames sent), bounded. */
export class SimLog {
  private readonly items: SimLogEntry[] = [];
  constructor(private readonly max = 200_000) {}
  add(entry: SimLogEntry): void {
    this.items.push(entry);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }
  entries(): readonly SimLogEntry[] {
    return this.items;
  }
  clear(): void {
    this.items.length = 0;
  }
}
