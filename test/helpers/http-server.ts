/**
 * A tiny loopback HTTP server for REST tests: every request is logged with its server-side arrival time, and a
 * per-test handler decides the answer (status, headers, body, or no answer at all to simulate a hung server).
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { untilChanged } from './until.js';

export interface HttpArrival {
  path: string;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type Handler = (req: IncomingMessage, n: number) => Reply | 'hang' | Promise<Reply | 'hang'>;

export interface TestHttpServer {
  origin: string;
  arrivals: HttpArrival[];
  until(cond: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpServer(handler: Handler): Promise<TestHttpServer> {
  const changed = new EventEmitter();
  changed.setMaxListeners(100);
  const arrivals: HttpArrival[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req, res) => {
    arrivals.push({ path: req.url ?? '', at: performance.now() });
    changed.emit('change');
    void Promise.resolve(handler(req, arrivals.length - 1)).then((reply) => {
      if (reply === 'hang') {
        hung.push(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('unexpected server address');
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    arrivals,
    until(cond, timeoutMs, what) {
      return untilChanged(changed, cond, timeoutMs, what);
    },
    async close() {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
