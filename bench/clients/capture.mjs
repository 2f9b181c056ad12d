/**
 * Not a contender: a bare `ws` client that keeps every frame (warm-up and burst) and, when stopped, writes them to
 * `CAPTURE_FILE` (each frame as a 4-byte little-endian length + its bytes) for `bench/inprocess.mjs`.
 */
import { writeFileSync } from 'node:fs';
import { runClient } from '../lib/harness.mjs';
import { rootRequire } from '../lib/root-require.mjs';

const WebSocket = rootRequire('ws');
const frames = [];

runClient({
  countOnly: true,
  start(cfg, ctx) {
    if (!process.env.CAPTURE_FILE) throw new Error('set CAPTURE_FILE');
    const streams = cfg.natives.map((n) => `${n.toLowerCase()}@depth@100ms`).join('/');
    const ws = new WebSocket(`${cfg.ws}/stream?streams=${streams}`);
    ws.on('message', (data) => {
      frames.push(Buffer.from(data));
      ctx.frame();
    });
    ws.on('open', () => ctx.ready());
  },
  stop() {
    const parts = [];
    for (const f of frames) {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(f.length);
      parts.push(h, f);
    }
    writeFileSync(process.env.CAPTURE_FILE, Buffer.concat(parts));
  },
});
