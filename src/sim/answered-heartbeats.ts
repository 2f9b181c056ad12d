/**
 * Application-level heartbeats that the client must answer (Deribit's `test_request`, docs/protocols/deribit.md#keepalive):
 * a connection that asked for them (`enable`) gets `request` every period; one still unanswered (`answered` not
 * called) when the next is due closes the connection, unless `keepOpen()` says otherwise (a fault). Unlike the
 * framework's WebSocket pings (./server.ts), these are text frames the protocol defines and they go on while the
 * market is paused.
 */
import type { SimConnection, SimServer } from './server.js';

interface Beat {
  periodMs: number;
  due: number;
  pending: boolean;
}

export class AnsweredHeartbeats {
  private readonly beats = new WeakMap<SimConnection, Beat>();

  constructor(
    private readonly request: string,
    private readonly closeReason: string,
    private readonly keepOpen: () => boolean = () => false,
  ) {}

  /** Check every 25 ms (the timer does not keep the process alive). */
  start(server: SimServer): void {
    setInterval(() => this.check(server), 25).unref();
  }

  enable(conn: SimConnection, periodMs: number): void {
    this.beats.set(conn, { periodMs, due: Date.now() + periodMs, pending: false });
  }

  answered(conn: SimConnection): void {
    const b = this.beats.get(conn);
    if (b !== undefined) b.pending = false;
  }

  private check(server: SimServer): void {
    const now = Date.now();
    for (const conn of server.connections) {
      const b = this.beats.get(conn);
      if (!conn.open || b === undefined || now < b.due) continue;
      b.due = now + b.periodMs;
      if (b.pending && !this.keepOpen()) {
        conn.close(1000, this.closeReason);
        continue;
      }
      if (conn.sendControl(this.request)) b.pending = true;
    }
  }
}
