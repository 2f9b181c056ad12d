/**
 * Batches what one event-loop turn writes: a batch opens at its first item and closes once the turn's work is done
 * (process.nextTick), so that a turn's items leave in one write — or as soon as an event that arrived more than
 * MAX_BATCH_MICROS after the batch's first item is processed (`localTime`, µs), so that no item waits for a long
 * turn (a socket read of many frames) to end. The NDJSON sink batches its lines with it (every event is one of its
 * items); the local server each client's WebSocket messages, where a client gets the events of its streams only: its
 * batches share a TurnClock, which every event the server routes advances, so that a client's message does not wait
 * for the other markets' frames of the same read either.
 */

/** An item waits for at most this many µs of later frames. */
const MAX_BATCH_MICROS = 100;

/**
 * The open batches of the writers of one event stream (the local server's clients), in the order they opened: an
 * event being processed closes every batch whose first item came more than MAX_BATCH_MICROS before it.
 */
export class TurnClock {
  private readonly batches: TurnBatch[] = [];
  private readonly since: number[] = [];
  private head = 0;

  /** `batch` opened at `since` (µs). */
  opened(batch: TurnBatch, since: number): void {
    this.dropClosed();
    this.batches.push(batch);
    this.since.push(since);
  }

  /** An event that arrived at `at` (µs) is being processed: close the batches it outlived (oldest first). */
  advance(at: number): void {
    for (; this.head < this.batches.length; this.head++) {
      const b = this.batches[this.head]!;
      const since = this.since[this.head]!;
      if (!b.isOpenSince(since)) continue;
      if (at - since <= MAX_BATCH_MICROS) return;
      b.closeEarly();
    }
    this.reset();
  }

  /** How many batches it still tracks (closed ones included until they reach the front): for tests. */
  get size(): number {
    return this.batches.length - this.head;
  }

  /** Forget the closed batches at the front (every batch of an earlier turn: they closed when it ended). */
  private dropClosed(): void {
    while (this.head < this.batches.length && !this.batches[this.head]!.isOpenSince(this.since[this.head]!)) this.head++;
    if (this.head === this.batches.length) this.reset();
  }

  private reset(): void {
    this.batches.length = 0;
    this.since.length = 0;
    this.head = 0;
  }
}

export class TurnBatch {
  private open = false;
  private since = 0;

  /**
   * `begin` runs when a batch opens, `end` when it closes: `early` when a later event outlived it inside the turn
   * (closeEarly; a later item of the turn opens the next batch, whose end comes at the latest when the turn's work is
   * done); `clock`: shared with other writers' batches, if any.
   */
  constructor(
    private readonly begin: () => void,
    private readonly end: (early: boolean) => void,
    private readonly clock?: TurnClock,
  ) {}

  /** Call before writing an item whose event arrived at `at` (µs). */
  add(at: number): void {
    if (this.open && at - this.since > MAX_BATCH_MICROS) this.closeEarly();
    if (this.open) return;
    this.open = true;
    this.since = at;
    this.begin();
    this.clock?.opened(this, at);
    process.nextTick(this.close);
  }

  /** Is the batch that opened at `since` still open? */
  isOpenSince(since: number): boolean {
    return this.open && this.since === since;
  }

  /** Close the open batch now (idempotent): the turn's work is done, or the writer stops. */
  readonly close = (): void => this.finish(false);

  /** Close the open batch because an event that arrived more than MAX_BATCH_MICROS after its first item came (idempotent). */
  closeEarly(): void {
    this.finish(true);
  }

  private finish(early: boolean): void {
    if (!this.open) return;
    this.open = false;
    this.end(early);
  }
}
