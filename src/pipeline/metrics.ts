/** Plain counters with labels; the local server exposes them as Prometheus text. */
export class Metrics {
  private readonly counters = new Map<string, { name: string; labels: Record<string, string>; value: number }>();

  inc(name: string, labels: Record<string, string>, by = 1): void {
    this.counter(name, labels).value += by;
  }

  /** The counter itself, for hot paths that bump it per frame or event (`c.value++`, no key built per call). */
  counter(name: string, labels: Record<string, string>): { value: number } {
    const key = name + JSON.stringify(labels);
    let c = this.counters.get(key);
    if (c === undefined) this.counters.set(key, (c = { name, labels, value: 0 }));
    return c;
  }

  get(name: string, labels: Record<string, string>): number {
    return this.counters.get(name + JSON.stringify(labels))?.value ?? 0;
  }

  /** Sum of a counter over all label sets matching `match`. */
  sum(name: string, match: Record<string, string> = {}): number {
    let s = 0;
    for (const c of this.counters.values()) {
      if (c.name !== name) continue;
      if (Object.entries(match).every(([k, v]) => c.labels[k] === v)) s += c.value;
    }
    return s;
  }

  entries(): Array<{ name: string; labels: Record<string, string>; value: number }> {
    return [...this.counters.values()];
  }
}
