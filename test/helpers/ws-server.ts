/**
 * A tiny loopback WebSocket server for connection tests: records every connection, message, ping and pong with
 * its arrival time, and lets a test await a condition that is re-checked on every server event (no polling).
 */
import { EventEmitter } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { untilChanged } from './until.js';

export interface ServerArrival {
  conn: number;
  kind: 'message' | 'ping' | 'pong';
  data: string;
  at: number;
}

export interface ServerConnection {
  index: number;
  ws: WebSocket;
  closed: boolean;
}

export interface TestWsServer {
  url: string;
  port: number;
  connections: ServerConnection[];
  arrivals: ServerArrival[];
  messages(conn?: number): string[];
  /** Resolves when `cond()` holds, re-checked after every server event; rejects after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export interface WsServerOptions {
  /** false: the server never answers client pings (a fully quiet peer). */
  autoPong?: boolean;
  onConnection?: (c: ServerConnection, server: TestWsServer) => void;
}

export async function startWsServer(opts: WsServerOptions = {}): Promise<TestWsServer> {
  const changed = new EventEmitter();
  changed.setMaxListeners(100);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: opts.autoPong ?? true });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected server address');
  const connections: ServerConnection[] = [];
  const arrivals: ServerArrival[] = [];
  const bump = (): void => {
    changed.emit('change');
  };

  const server: TestWsServer = {
    url: `ws://127.0.0.1:${address.port}`,
    port: address.port,
    connections,
    arrivals,
    messages: (conn) => arrivals.filter((a) => a.kind === 'message' && (conn === undefined || a.conn === conn)).map((a) => a.data),
    until(cond, timeoutMs, what) {
      return untilChanged(changed, cond, timeoutMs, what);
    },
    async close() {
      for (const c of connections) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };

  wss.on('connection', (ws) => {
    const c: ServerConnection = { index: connections.length, ws, closed: false };
    connections.push(c);
    const record = (kind: ServerArrival['kind'], data: Buffer | string): void => {
      arrivals.push({ conn: c.index, kind, data: data.toString(), at: performance.now() });
      bump();
    };
    ws.on('message', (data, isBinary) => record('message', isBinary ? '<binary>' : data.toString()));
    ws.on('ping', (data) => record('ping', data));
    ws.on('pong', (data) => record('pong', data));
    ws.on('close', () => {
      c.closed = true;
      bump();
    });
    ws.on('error', () => undefined);
    opts.onConnection?.(c, server);
    bump();
  });
  return server;
}
