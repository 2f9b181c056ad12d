/**
 * Operations waiting, per key, for something being loaded (the hub: an exchange's adapter and the runtime made from
 * it), run in the order they were asked once it is there. A key stays loading while its queue runs, so that an
 * operation asked meanwhile (by one of them, through an event) runs after the ones asked before it.
 */
export class LoadQueue<K, T> {
  private readonly waiting = new Map<K, Array<(outcome: T) => void>>();

  isLoading(key: K): boolean {
    return this.waiting.has(key);
  }

  /** Queue `op` behind the load of `key` in progress; false when none is. */
  join(key: K, op: (outcome: T) => void): boolean {
    const queue = this.waiting.get(key);
    if (queue === undefined) return false;
    queue.push(op);
    return true;
  }

  /** `key` is loading: `op`, then the operations that join meanwhile, get what `outcome` resolves to. */
  start(key: K, op: (outcome: T) => void, outcome: Promise<T>): void {
    const queue = [op];
    this.waiting.set(key, queue);
    void outcome.then((value) => {
      for (let i = 0; i < queue.length; i++) queue[i]!(value);
      this.waiting.delete(key);
    });
  }
}
