/** A raw WebSocket test client: records every text frame and lets a test await a condition on them. */
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { untilChanged } from './until.js';

export interface TestClient {
  frames: string[];
  /** Parsed JSON frames (non-JSON frames are skipped). */
  json(): Record<string, unknown>[];
  closed: { code: number; reason: string } | undefined;
  send(msg: unknown): void;
  until(cond: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function connect(url: string): Promise<TestClient> {
  const ws = new WebSocket(url);
  const changed = new EventEmitter();
  changed.setMaxListeners(100);
  const client: TestClient = {
    frames: [],
    json: () =>
      client.frames.flatMap((f) => {
        try {
          return [JSON.parse(f) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    closed: undefined,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    until(cond, timeoutMs, what) {
      return untilChanged(changed, cond, timeoutMs, what, () => `${client.frames.length} frames`);
    },
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      });
    },
  };
  ws.on('message', (data) => {
    client.frames.push(data.toString());
    changed.emit('change');
  });
  ws.on('close', (code, reason) => {
    client.closed = { code, reason: reason.toString() };
    changed.emit('change');
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}
