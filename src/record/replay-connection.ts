/**
 * A Connection fed by a recording: it emits the recorded frames and status events of the connection with the
 * same id, calls `onOpen` on every recorded open (as the real one does), and checks the pipeline's sends against
 * the frames recorded as sent.
 */
import { Subject } from 'rxjs';
import type { Connection, ConnectionEvent, ConnectionOptions } from '../connection/index.js';
import type { FrameRecord, SentRecord, StatusRecord } from './format.js';
import type { TwCode } from '../errors.js';
import { redactFrame, sameSend } from './redact.js';

export interface ReplayConnectionHost {
  /** `reconnect()` was called: deliver the status events it caused live (recorded right after, marked nested). */
  nested(id: string): void;
  diverged(what: string, details: Record<string, unknown>): void;
}

export class ReplayConnection implements Connection {
  readonly id: string;
  private readonly subject = new Subject<ConnectionEvent>();
  readonly events$ = this.subject.asObservable();
  private open = false;
  private finished = false;
  /** Frames the pipeline sent that the recording has not shown as written yet. */
  private readonly expected: string[] = [];

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly host: ReplayConnectionHost,
  ) {
    this.id = opts.id;
  }

  get isOpen(): boolean {
    return this.open;
  }

  get closed(): boolean {
    return this.finished;
  }

  start(): void {}

  send(message: string): void {
    if (this.open) this.expected.push(message); // live drops a send while not open
  }

  notePong(): void {}

  reconnect(): void {
    this.host.nested(this.id);
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.open = false;
    this.subject.complete();
  }

  frame(r: FrameRecord): void {
    if (this.finished) return;
    this.subject.next({ kind: 'frame', data: r.d, localTime: r.t });
  }

  status(r: StatusRecord): void {
    if (this.finished) return;
    this.open = r.state === 'open';
    if (r.state === 'closed' || r.state === 'reconnecting') this.expected.length = 0;
    this.subject.next({
      kind: 'status',
      state: r.state,
      code: r.code as TwCode,
      reason: r.reason,
      ...(r.details ? { details: r.details } : {}),
      localTime: r.t,
    });
    if (r.state === 'open' && !this.finished) {
      for (const m of this.opts.onOpen()) this.expected.push(m);
    }
  }

  /** A recorded written frame: one the pipeline asked for must be the next one it sent (compared redacted). */
  sent(r: SentRecord): void {
    if (r.app === undefined || this.finished) return;
    const want = this.expected.shift();
    // the recording holds the frame redacted; so does the warning (the replayed one may be signed with live keys)
    if (want === undefined || !sameSend(r.d, want)) {
      this.host.diverged('sent frame differs', { connection: this.id, recorded: r.d, replayed: want === undefined ? null : redactFrame(want) });
    }
  }
}
