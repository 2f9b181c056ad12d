/**
 * Requests on an OKX simulator connection (docs/protocols/okx.md): `subscribe` / `unsubscribe` with their acks and
 * errors, the hourly budget of such requests, the `okx-error` fault, and the in-band `books` snapshot on subscribe.
 */
import { faultString, faultSymbol } from './faults.js';
import { LIQUIDATION_TOPIC } from './okx-derivatives.js';
import type { SymState } from './okx-ids.js';
import { ackFrame, ackTypeFrame, errorFrame, unknownInstrumentError } from './okx-render.js';
import type { SimConnection, SimServer } from './server.js';

/** What a request reads: the server, the channels and instruments served, and the `books` snapshot frame. */
export interface OkxRequestContext {
  srv: () => SimServer;
  swap: boolean;
  channels: ReadonlySet<string>;
  byInst: ReadonlyMap<string, SymState>;
  /** Swaps: by index id (`index-tickers`). */
  byIndex: ReadonlyMap<string, SymState>;
  /** Subscribe/unsubscribe requests allowed per connection per hour. */
  maxOps: number;
  /** Send the in-band snapshot on subscribe (unless `okx-no-snapshot` is active). */
  initialSnapshot: boolean;
  snapshotFrame: (st: SymState) => string;
}

/** The connection id OKX names in acks and errors. */
export function connId(conn: SimConnection): string {
  return String(conn.state.connId ?? '');
}

/** Something was sent to `conn` (for the idle cut). */
export function markSent(conn: SimConnection): void {
  conn.state.lastSent = Date.now();
}

export function topic(channel: string, instId: string): string {
  return `${channel}:${instId}`;
}

/** Subscribe/unsubscribe budget per connection per hour. */
function spendOp(conn: SimConnection, maxOps: number): boolean {
  const now = Date.now();
  const ops = ((conn.state.ops as number[] | undefined) ?? []).filter((t) => now - t < 3_600_000);
  ops.push(now);
  conn.state.ops = ops;
  return ops.length <= maxOps;
}

/** A text request (other than `ping`) from `conn`. */
export function onOkxRequest(conn: SimConnection, text: string, ctx: OkxRequestContext): void {
  const { srv, swap, channels, byInst, byIndex } = ctx;
  let req: unknown;
  try {
    req = JSON.parse(text);
  } catch {
    conn.sendControl(errorFrame('60012', `Invalid request: ${text}`, connId(conn)));
    return;
  }
  const r = req as { id?: unknown; op?: unknown; args?: unknown };
  const id = typeof r.id === 'string' ? r.id : undefined;
  if ((r.op !== 'subscribe' && r.op !== 'unsubscribe') || !Array.isArray(r.args)) {
    conn.sendControl(errorFrame('60012', `Invalid request: ${text}`, connId(conn), id));
    return;
  }
  const op = r.op;
  if (!spendOp(conn, ctx.maxOps)) {
    conn.sendControl(errorFrame('60014', 'Requests too frequent.', connId(conn), id));
    return;
  }
  for (const raw of r.args as unknown[]) {
    const a = raw as { channel?: unknown; instId?: unknown; instType?: unknown };
    if (swap && a.channel === 'liquidation-orders' && a.instType === 'SWAP') {
      // one subscription per instrument type: every swap's liquidations
      if (op === 'subscribe') srv().subscribe(conn, LIQUIDATION_TOPIC);
      else srv().unsubscribe(conn, LIQUIDATION_TOPIC);
      conn.sendControl(ackTypeFrame(op, 'liquidation-orders', 'SWAP', connId(conn), id));
      continue;
    }
    if (typeof a.channel !== 'string' || typeof a.instId !== 'string' || !channels.has(a.channel)) {
      conn.sendControl(errorFrame('60012', `Invalid request: ${text}`, connId(conn), id));
      continue;
    }
    const st = a.channel === 'index-tickers' ? byIndex.get(a.instId) : byInst.get(a.instId);
    if (st === undefined) {
      conn.sendControl(unknownInstrumentError(a.channel, a.instId, connId(conn), id));
      continue;
    }
    const t = topic(a.channel, a.instId);
    if (op === 'unsubscribe') {
      srv().unsubscribe(conn, t);
      conn.sendControl(ackFrame('unsubscribe', a.channel, a.instId, connId(conn), id));
      continue;
    }
    const errFault = srv().faults.take('okx-error', (f) => faultSymbol(f) === st.spec.symbol);
    if (errFault !== undefined) {
      const code = faultString(errFault, 'code') ?? '60018';
      conn.sendControl(
        code === '60018'
          ? unknownInstrumentError(a.channel, a.instId, connId(conn), id)
          : errorFrame(code, code === '60014' ? 'Requests too frequent.' : 'Service temporarily unavailable.', connId(conn), id),
      );
      continue;
    }
    srv().subscribe(conn, t);
    conn.sendControl(ackFrame('subscribe', a.channel, a.instId, connId(conn), id));
    markSent(conn);
    if (a.channel === 'books' && ctx.initialSnapshot && srv().faults.find('okx-no-snapshot') === undefined) {
      if (conn.sendData(ctx.snapshotFrame(st), st.spec.symbol)) markSent(conn);
    }
  }
}
