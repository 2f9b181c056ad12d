/**
 * Wire `u` of one simulated Bybit book topic (docs/protocols/bybit.md#book): Bybit's `u` rises by exactly 1 per
 * message of a topic (`orderbook.{depth}.X`), independently for each depth, and restarts (e.g. at 1) after a service
 * restart. The simulator's true book moves by change ids; this keeps, per topic, which change id each recent `u`
 * showed, so the true book can be served at a wire `u` (`trueBookAt`).
 */
export class TopicIds {
  /** `u` of the last message of the topic (the snapshot of a new subscriber carries it). */
  u: number;
  /** `u` of `changes[0]`. */
  private first: number;
  /** Change id shown by `first + i`. */
  private changes: number[];

  constructor(
    readonly symbol: string,
    readonly depth: number,
    u: number,
    changeId: number,
    /** How many recent `u` to keep (the simulator's history size: older books cannot be rebuilt anyway). */
    private readonly keep: number,
  ) {
    this.u = u;
    this.first = u;
    this.changes = [changeId];
  }

  /** The topic's next message, showing the true book at `changeId`: its `u` (the previous + 1). */
  next(changeId: number): number {
    this.u++;
    this.changes.push(changeId);
    // trim in batches (amortized O(1)): at most keep + keep / 8 entries held
    if (this.changes.length > this.keep + Math.ceil(this.keep / 8)) {
      const drop = this.changes.length - this.keep;
      this.changes.splice(0, drop);
      this.first += drop;
    }
    return this.u;
  }

  /** Service restart: `u` starts again at `u`, showing `changeId`; earlier ids are forgotten. */
  restart(u: number, changeId: number): void {
    this.u = u;
    this.first = u;
    this.changes = [changeId];
  }

  /** The change id the message with this `u` showed, undefined when unknown (future, forgotten, never sent). */
  changeAt(u: number): number | undefined {
    const i = u - this.first;
    return Number.isInteger(i) && i >= 0 && i < this.changes.length ? this.changes[i] : undefined;
  }
}

/**
 * First `u` of a new topic. Bybit's counters of different depths are unrelated numbers; giving each depth its own
 * range keeps a wire `u` unambiguous across the depths of one symbol (until a restart puts them all back at 1).
 */
export function firstTopicU(depth: number, changeId: number): number {
  return depth * 1_000_000_000 + changeId;
}
