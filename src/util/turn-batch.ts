/**
 * Batches what one event-loop turn writes: a batch opens at its first item and closes once the turn's work is done
 * (process.nextTick), so that a turn's items leave in one write — or as soon as an item carries an event that
 * arrived more than MAX_BATCH_MICROS after the batch's first one (`localTime`, µs), so that no item waits for a long
 * turn (a socket read of many frames) to end. The NDJSON sink batches its lines with it, the local server each
 * client's WebSocket messages.
 */

/** An item waits for at most this many µs of later frames. */
const MAX_BATCH_MICROS = 100;

export class TurnBatch {
  private open = false;
  private since = 0;

  /**
   * `begin` runs when a batch opens, `end` when it closes: `early` when an item younger by more than MAX_BATCH_MICROS
   * closed it inside the turn (a later item of the turn opens the next batch, whose end comes at the latest when the
   * turn's work is done).
   */
  constructor(
    private readonly begin: () => void,
    private readonly end: (early: boolean) => void,
  ) {}

  /** Call before writing an item whose event arrived at `at` (µs). */
  add(at: number): void {
    if (this.open && at - this.since > MAX_BATCH_MICROS) this.finish(true);
    if (this.open) return;
    this.open = true;
    this.since = at;
    this.begin();
    process.nextTick(this.close);
  }

  /** Close the open batch now (idempotent). */
  readonly close = (): void => this.finish(false);

  private finish(early: boolean): void {
    if (!this.open) return;
    this.open = false;
    this.end(early);
  }
}
