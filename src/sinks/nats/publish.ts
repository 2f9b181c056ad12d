/**
 * `publishToNats(events$, options)`: the NATS JetStream sink. Subscribing starts it; the returned Observable emits
 * the sink's own status (NatsStatus) and completes after the input completed and the buffer was flushed (or
 * `drainTimeoutMs` passed, reported as an error status). Unsubscribing closes the connection at once.
 *
 * - Every event goes to `<prefix>.<exchange>.<channel>.<symbol>` with a `Nats-Msg-Id` (msg-id.ts), so retries,
 *   restarts and duplicate publishers never store a message twice within the duplicate window.
 * - The market-data path never waits: events go into a bounded PublishQueue (shedding policy there); up to
 *   `maxInFlight` publishes await their PubAck at once. While NATS is down nothing is handed to the client; the
 *   client reconnects forever, and publishing resumes once the stream answers, one publish at a time until the
 *   first PubAck (a server that is still recovering its streams drops publishes, which would reorder retries).
 * - A failed publish (timeout, no responders) pauses publishing until every in-flight publish settled, then the
 *   failed ones are retried first, in their original order, with the same ids (so one that was stored after all
 *   is dropped by JetStream); each book with a failed publish is followed by a fresh snapshot, so a consumer that
 *   saw a later event of it first (and reported the hole) is healed.
 * - Checkpoints: after a book's event is acked, when the book's checkpoint is due, its snapshot as of that event
 *   goes to `<prefix>_snap.…` in `<stream>_SNAP` (last message per subject kept) with header
 *   `Tickwire-Stream-Seq` = the event's stream sequence. A consumer starts that book from the checkpoint and reads
 *   the event stream after that sequence.
 */
import { Observable } from 'rxjs';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { BookSnapshotEvent, MarketEvent, StatusEvent } from '../../schema/events.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { ensureStreams, openNats, toNatsStatus, unreachableStatus } from '../../nats/connect.js';
import { msgIdFor } from '../../nats/msg-id.js';
import { NatsPublishOptions, type NatsPublishConfig } from '../../nats/options.js';
import { PublisherBooks } from './publisher-books.js';
import { PublishQueue, type QueueEntry, type ShedReport } from './publish-queue.js';
import type { NatsState, NatsStatus } from '../../nats/status.js';
import { STREAM_SEQ_HEADER, bookKeyOf, checkpointSubject, subjectFor } from '../../nats/subjects.js';
import { makeGapMarker, newMarkerIssuer } from './gap-marker.js';

/** What JetStream answered for one published event. */
export interface StoredInfo {
  /** The stream sequence JetStream stored it at (or, for a duplicate, the one it had stored it at before). */
  streamSeq: number;
  /** JetStream dropped it as a duplicate of a message with the same `Nats-Msg-Id`. */
  duplicate: boolean;
  /** Made by the publisher itself (healing / conflation snapshot, gap marker), not one of the input events. */
  generated: boolean;
}

export interface PublishDeps {
  clock?: Clock;
  /**
   * Called for every event JetStream acknowledged, in ack order: lets a caller account exactly for what was
   * stored, including the events the publisher generated itself (which are not in its input).
   */
  onStored?: (e: MarketEvent, info: StoredInfo) => void;
}

const encoder = new TextEncoder();

export function publishToNats(
  events$: Observable<MarketEvent>,
  options: NatsPublishOptions = {},
  deps: PublishDeps = {},
): Observable<NatsStatus> {
  const cfg = NatsPublishOptions.parse(options);
  const clock = deps.clock ?? systemClock;
  return new Observable<NatsStatus>((out) => {
    const sink = new NatsPublisher(cfg, clock, (s) => out.next(s), () => out.complete(), deps.onStored);
    const sub = events$.subscribe({
      next: (e) => sink.ingest(e),
      error: (err: unknown) => {
        sink.status('error', 'TW_ERR_NATS', `input failed: ${String(err)}`);
        sink.finish();
      },
      complete: () => sink.finish(),
    });
    sink.start();
    return () => {
      sub.unsubscribe();
      sink.close();
    };
  });
}

class NatsPublisher {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connected = false;
  private closed = false;
  private finishing = false;
  private paused = false;
  private inFlight = 0;
  private checkpointsInFlight = 0;
  private failed: QueueEntry[] = [];
  private ordinal = 0;
  /** This publisher's own epoch and per-stream counters for the gap markers it makes. */
  private readonly gapMarkers = newMarkerIssuer();
  /** Publishes allowed in flight now: 1 after a reconnect until the first PubAck, then maxInFlight. */
  private window: number;
  private buffering = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** First-connect attempts that found no server, in a row. */
  private unreachable = 0;
  private readonly queue: PublishQueue;
  private readonly books: PublisherBooks;
  /** Counters for status details and tests. */
  readonly stats = { published: 0, duplicates: 0, retried: 0, shed: 0, checkpoints: 0, generated: 0 };

  constructor(
    private readonly cfg: NatsPublishConfig,
    private readonly clock: Clock,
    private readonly emit: (s: NatsStatus) => void,
    private readonly done: () => void,
    private readonly onStored: ((e: MarketEvent, info: StoredInfo) => void) | undefined,
  ) {
    this.window = cfg.maxInFlight;
    this.books = new PublisherBooks(clock, cfg.snapshotEveryEvents, cfg.snapshotEveryMs * 1000);
    this.queue = new PublishQueue(cfg.maxBufferedEvents, cfg.maxBufferedBytes, {
      marker: (removed) => {
        const m = this.marker(removed.map((it) => it.event));
        // on the subject of what it replaces, so it stays in that stream's order and merges with later markers
        return m === undefined ? undefined : this.entry(m, true, removed[0]!.subject);
      },
      conflate: (removed) => {
        for (const it of removed) if (!it.applied) this.books.apply(it.event);
        const key = removed.map((it) => bookKeyOf(it.event)).find((k) => k !== undefined);
        const snap = key === undefined ? undefined : this.books.snapshot(key);
        return snap === undefined ? undefined : this.entry(snap, true);
      },
    });
  }

  status(state: NatsState, code: NatsStatus['code'], reason: string, details?: Record<string, unknown>): void {
    const s: NatsStatus = { type: 'nats', state, code, reason, localTime: this.clock.nowMicros() };
    if (details !== undefined) s.details = details;
    this.emit(s);
  }

  start(): void {
    this.status('connecting', 'TW_OK', `connecting to ${String(this.cfg.servers)}`);
    void this.connect();
  }

  private async connect(): Promise<void> {
    let nc: NatsConnection;
    try {
      nc = await openNats(this.cfg);
    } catch (err) {
      // no server answered: say so and try again (closing clears the timer, so a stop never waits on a dial)
      if (this.closed) return;
      this.emit(unreachableStatus(this.cfg.servers, err, this.cfg.reconnectTimeWaitMs, ++this.unreachable, this.clock));
      this.retryTimer = setTimeout(() => void this.connect(), this.cfg.reconnectTimeWaitMs);
      return;
    }
    this.unreachable = 0;
    try {
      if (this.closed) {
        await nc.close();
        return;
      }
      this.nc = nc;
      void this.watch(nc);
      if (this.cfg.createStream) await ensureStreams(nc, this.cfg);
      this.js = jetstream(nc, { timeout: this.cfg.publishTimeoutMs });
      this.connected = true;
      this.status('open', 'TW_OK', `publishing to stream ${this.cfg.stream}`);
      this.pump();
    } catch (err) {
      this.status('error', 'TW_ERR_NATS', `NATS setup failed: ${errText(err)}`);
      if (!this.closed) {
        await this.nc?.close().catch(() => undefined);
        this.nc = undefined;
        this.retryTimer = setTimeout(() => void this.connect(), this.cfg.retryDelayMs);
      }
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      const st = toNatsStatus(s, this.clock);
      if (st !== undefined) this.emit(st);
      if (s.type === 'disconnect') this.connected = false;
      if (s.type === 'reconnect') void this.resume(s.server);
    }
  }

  /**
   * After a reconnect the server may still be recovering its streams, and publishes sent then fail while later
   * ones succeed (out of order). So publishing resumes only when the stream answers, and with a window of one
   * publish until the first PubAck comes back.
   */
  private async resume(server: string): Promise<void> {
    const nc = this.nc;
    if (nc === undefined) return;
    for (let attempt = 0; attempt < 1_000_000 && !this.closed; attempt++) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: this.cfg.publishTimeoutMs });
        await jsm.streams.info(this.cfg.stream);
        break;
      } catch (err) {
        if (attempt === 0) this.status('error', 'TW_ERR_NATS', `stream not ready after reconnecting to ${server}: ${errText(err)}`);
        await new Promise((r) => setTimeout(r, this.cfg.retryDelayMs));
      }
    }
    this.window = 1;
    this.connected = true;
    this.pump();
  }

  /**
   * A queue entry: an input event (`generated` false: applied to the publisher's books when handed to NATS) or
   * one the publisher made from its books (already applied).
   */
  private entry(event: MarketEvent, generated: boolean, subject?: string): QueueEntry {
    return {
      generated,
      event,
      subject: subject ?? subjectFor(this.cfg.prefix, event),
      msgId: msgIdFor(event),
      data: encoder.encode(JSON.stringify(event)),
      isMarker: event.type === 'status' && event.epoch === this.gapMarkers.epoch,
      applied: generated,
      ordinal: this.ordinal++,
    };
  }

  private marker(removed: MarketEvent[]): StatusEvent | undefined {
    return makeGapMarker(removed, this.gapMarkers, this.clock.nowMicros());
  }

  /** The market-data path: never waits. */
  ingest(e: MarketEvent): void {
    if (this.closed) return;
    const report = this.queue.push(this.entry(e, false));
    if (report !== undefined) this.reportShed(report);
    if (!this.buffering && this.queue.length > this.cfg.maxBufferedEvents / 2) {
      this.buffering = true;
      this.status('buffering', 'TW_ERR_NATS', 'NATS is slower than the feed; events are buffered', {
        buffered: this.queue.length,
        bytes: this.queue.bytes,
      });
    }
    this.pump();
  }

  private reportShed(r: ShedReport): void {
    const total = Object.values(r.dropped).reduce((a, b) => a + b, 0) + r.droppedStatus;
    this.stats.shed += total;
    this.status('dropped', 'TW_ERR_NATS', `buffer full: ${total} event(s) shed (gap statuses / fresh snapshots follow)`, {
      dropped: r.dropped,
      conflatedBooks: r.conflatedBooks,
      droppedStatus: r.droppedStatus,
    });
  }

  private pump(): void {
    const js = this.js;
    if (js === undefined || !this.connected || this.paused || this.closed) return;
    while (this.inFlight < this.window) {
      const it = this.queue.shift();
      if (it === undefined) break;
      let checkpoint: BookSnapshotEvent | undefined;
      if (!it.applied) {
        it.applied = true;
        const key = this.books.apply(it.event);
        if (key !== undefined && this.books.takeCheckpointDue(key)) checkpoint = this.books.snapshot(key);
      } else {
        const key = it.event.type === 'book_snapshot' ? bookKeyOf(it.event) : undefined;
        if (key !== undefined && this.books.takeCheckpointDue(key)) checkpoint = this.books.snapshot(key);
      }
      this.inFlight++;
      js.publish(it.subject, it.data, { msgID: it.msgId, timeout: this.cfg.publishTimeoutMs }).then(
        (ack) => {
          this.inFlight--;
          this.window = this.cfg.maxInFlight;
          if (ack.duplicate) this.stats.duplicates++;
          else this.stats.published++;
          if (it.generated && !ack.duplicate) this.stats.generated++;
          this.onStored?.(it.event, { streamSeq: ack.seq, duplicate: ack.duplicate, generated: it.generated });
          if (checkpoint !== undefined) this.publishCheckpoint(js, checkpoint, ack.seq);
          this.settled();
        },
        (err: unknown) => {
          this.inFlight--;
          if (this.failed.length === 0) {
            this.status('error', 'TW_ERR_NATS', `publish failed, will retry: ${errText(err)}`, { subject: it.subject });
          }
          this.failed.push(it);
          this.paused = true;
          this.window = 1;
          this.settled();
        },
      );
    }
    if (this.buffering && this.queue.length === 0) {
      this.buffering = false;
      this.status('drained', 'TW_OK', 'NATS caught up; buffer empty');
    }
    this.checkFinished();
  }

  private settled(): void {
    if (this.closed) return;
    if (this.paused && this.inFlight === 0) {
      const failed = this.failed.sort((a, b) => a.ordinal - b.ordinal);
      this.failed = [];
      this.stats.retried += failed.length;
      const again: QueueEntry[] = [...failed];
      const bookKeys = new Set<string>();
      for (const it of failed) {
        const key = it.event.type === 'status' ? undefined : bookKeyOf(it.event);
        if (key !== undefined) bookKeys.add(key);
      }
      for (const key of bookKeys) {
        const snap = this.books.snapshot(key);
        if (snap !== undefined) again.push(this.entry(snap, true));
      }
      this.queue.unshift(again);
      this.retryTimer = setTimeout(() => {
        this.paused = false;
        this.pump();
      }, this.cfg.retryDelayMs);
      return;
    }
    this.pump();
  }

  private publishCheckpoint(js: JetStreamClient, snap: BookSnapshotEvent, streamSeq: number): void {
    if (this.checkpointsInFlight >= this.cfg.maxInFlight) return; // a later checkpoint replaces it
    const h = headers();
    h.set(STREAM_SEQ_HEADER, String(streamSeq));
    this.checkpointsInFlight++;
    const subject = checkpointSubject(this.cfg.prefix, snap.exchange, snap.symbol);
    js.publish(subject, encoder.encode(JSON.stringify(snap)), {
      msgID: `${msgIdFor(snap)}|cp|${streamSeq}`,
      headers: h,
      timeout: this.cfg.publishTimeoutMs,
    }).then(
      () => {
        this.checkpointsInFlight--;
        this.stats.checkpoints++;
        this.checkFinished();
      },
      (err: unknown) => {
        this.checkpointsInFlight--;
        this.status('error', 'TW_ERR_NATS', `checkpoint publish failed (a later one replaces it): ${errText(err)}`, {
          subject,
        });
        this.checkFinished();
      },
    );
  }

  /** The input completed: flush, then close. */
  finish(): void {
    if (this.finishing || this.closed) return;
    this.finishing = true;
    this.drainTimer = setTimeout(() => {
      this.status('error', 'TW_ERR_NATS', 'input ended but the buffer did not flush in time; closing', {
        unflushed: this.queue.length + this.inFlight,
      });
      this.close();
    }, this.cfg.drainTimeoutMs);
    this.checkFinished();
  }

  private checkFinished(): void {
    if (!this.finishing || this.closed) return;
    if (this.queue.length === 0 && this.inFlight === 0 && this.checkpointsInFlight === 0 && !this.paused) {
      this.status('closed', 'TW_OK', 'input ended and every event is stored', { ...this.stats });
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.drainTimer);
    clearTimeout(this.retryTimer);
    const nc = this.nc;
    const finish = (): void => this.done();
    if (nc === undefined) finish();
    else void nc.close().then(finish, finish);
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
