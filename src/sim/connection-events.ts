/**
 * One simulator connection's WebSocket events: messages go to the protocol, client pings are answered (except under
 * stop-all), pongs answering our pings are matched; everything else a client sends counts against the protocol's
 * per-second message limit (over it: closed 1008). Also the server's own pings.
 */
import type { RawData } from 'ws';
import type { SimServer } from './server.js';
import type { SimConnection } from './sim-connection.js';

/** Handle `conn`'s WebSocket events; `enforceRate` false = no incoming-message limit. */
export function listenTo(server: SimServer, conn: SimConnection, enforceRate: boolean): void {
  const ws = conn.ws;
  ws.on('message', (data: RawData) => onMessage(server, conn, enforceRate, data));
  ws.on('ping', (data: Buffer) => onPing(server, conn, enforceRate, data));
  ws.on('pong', (data: Buffer) => onPong(server, conn, enforceRate, data));
  ws.on('close', (code: number, reason: Buffer) => onClose(server, conn, code, reason.toString()));
  ws.on('error', () => undefined);
}

function onMessage(server: SimServer, conn: SimConnection, enforceRate: boolean, data: RawData): void {
  const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as ArrayBuffer).toString();
  server.logEntry({ kind: 'ws-recv', connection: conn.id, data: text });
  if (!countIncoming(server, conn, enforceRate)) return;
  server.protocol.onMessage(conn, text);
}

function onPing(server: SimServer, conn: SimConnection, enforceRate: boolean, data: Buffer): void {
  server.logEntry({ kind: 'ws-recv-control', connection: conn.id, data: `ping ${data.toString()}` });
  if (!countIncoming(server, conn, enforceRate)) return;
  if (server.faults.connectionFault('stop-all', conn.symbols)) return;
  if (conn.open) conn.ws.pong(data);
}

function onPong(server: SimServer, conn: SimConnection, enforceRate: boolean, data: Buffer): void {
  const payload = data.toString();
  server.logEntry({ kind: 'ws-recv-control', connection: conn.id, data: `pong ${payload}` });
  const i = conn.pendingPings.indexOf(payload);
  if (i >= 0) {
    conn.pendingPings.splice(0, i + 1); // the answer to our ping does not count against the rate
    return;
  }
  countIncoming(server, conn, enforceRate);
}

/** Count an incoming message; false (and the socket closed) when over the protocol's per-second limit. */
function countIncoming(server: SimServer, conn: SimConnection, enforceRate: boolean): boolean {
  const max = server.protocol.maxIncomingPerSec;
  if (max <= 0 || !enforceRate) return true;
  const now = Date.now();
  conn.incoming = conn.incoming.filter((t) => now - t < 1000);
  conn.incoming.push(now);
  if (conn.incoming.length > max) {
    conn.close(1008, 'Too many requests');
    return false;
  }
  return true;
}

function onClose(server: SimServer, conn: SimConnection, code: number, reason: string): void {
  server.logEntry({ kind: 'ws-close', connection: conn.id, data: `${code} ${reason}` });
  for (const t of [...conn.topics]) server.unsubscribe(conn, t);
  server.connections.delete(conn);
}

/** Our WebSocket ping to every open connection (not under stop-all); the payloads are remembered to match the pongs. */
export function pingAll(server: SimServer): void {
  for (const conn of server.connections) {
    if (!conn.open || server.faults.connectionFault('stop-all', conn.symbols)) continue;
    const payload = String(Date.now());
    conn.pendingPings.push(payload);
    if (conn.pendingPings.length > 16) conn.pendingPings.shift();
    server.logEntry({ kind: 'ws-send-control', connection: conn.id, data: `ping ${payload}` });
    conn.ws.ping(payload);
  }
}

