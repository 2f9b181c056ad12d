/** The floor: a bare `ws` client (tickwire's own ws version) that only JSON.parses each frame. */
import { runClient } from '../lib/harness.mjs';
import { rootRequire } from '../lib/root-require.mjs';

const WebSocket = rootRequire('ws');

runClient({
  countOnly: true,
  start(cfg, ctx) {
    const streams = cfg.natives.map((n) => `${n.toLowerCase()}@depth@100ms`).join('/');
    const ws = new WebSocket(`${cfg.ws}/stream?streams=${streams}`);
    let sink = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      sink += m.data.u & 1; // keep the parse observable
      ctx.frame();
    });
    ws.on('open', () => ctx.ready());
    this.extra = () => ({ sink });
  },
});
