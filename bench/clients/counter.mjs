/** Counting only: a bare `ws` client that counts frames (proves the simulator is not the bottleneck). */
import { runClient } from '../lib/harness.mjs';
import { rootRequire } from '../lib/root-require.mjs';

const WebSocket = rootRequire('ws');

runClient({
  countOnly: true,
  start(cfg, ctx) {
    const streams = cfg.natives.map((n) => `${n.toLowerCase()}@depth@100ms`).join('/');
    const ws = new WebSocket(`${cfg.ws}/stream?streams=${streams}`);
    ws.on('message', () => ctx.frame());
    ws.on('open', () => ctx.ready());
  },
});
