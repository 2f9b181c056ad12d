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

  /** `begin` runs when a batch opens, `end` when it closes. */
  constructor(
    private readonly begin: () => void,
    private readonly end: () => void,
  ) {}

  /** Call before writing an item whose event arrived at `at` (µs). */
  add(at: number): void {
    if (this.open && at - this.since > MAX_BATCH_MICROS) this.close();
    if (this.open) return;
    this.open = true;
    this.since = at;
    this.begin();
    process.nextTick(this.close);
  }

  /** Close the open batch now (idempotent). */
  readonly close = (): void => {
    if (!this.open) return;
    this.open = false;
    this.end();
  };
}
