/**
 * One WebSocket connection of a simulator server: its subscriptions, protocol mode and state, and sending — data frames
 * under the server's fault switches, control replies logged.
 */
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { SimServer } from './server.js';

export class SimConnection {
  /** Topics in subscription order. */
  readonly topics = new Set<string>();
  /** Unified symbols carried by the topics (fault targeting). */
  readonly symbols = new Set<string>();
  /** Protocol-defined mode (e.g. Binance `combined` | `raw`). */
  mode = '';
  /** Free slot for protocol state. */
  state: Record<string, unknown> = {};
  readonly openedAt = Date.now();
  /** Payloads of our recent pings not yet answered (their pongs do not count against the message rate). */
  readonly pendingPings: string[] = [];
  incoming: number[] = [];

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    readonly path: string,
    private readonly server: SimServer,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Data frame: suppressed by silence / stop-all (and black-hole when `symbol` is given). */
  sendData(text: string, symbol?: string): boolean {
    if (!this.open || !this.server.dataAllowed(this, symbol)) return false;
    this.server.write(this, text);
    return true;
  }

  /** Control reply (ack, error, pong text): suppressed only by stop-all. Logged. */
  sendControl(text: string): boolean {
    if (!this.open || this.server.faults.connectionFault('stop-all', this.symbols)) return false;
    this.server.logEntry({ kind: 'ws-send-control', connection: this.id, data: text });
    this.ws.send(text);
    return true;
  }

  close(code: number, reason: string): void {
    this.server.logEntry({ kind: 'ws-send-control', connection: this.id, data: `close ${code} ${reason}` });
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }
}
