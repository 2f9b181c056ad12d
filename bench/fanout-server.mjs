// Fan-out bench helper: hub + `startServer` in their own process, so CPU and RSS are the server's alone.
// The clock is performance.timeOrigin-based (µs) so the bench process can compare event.localTime with its own.
// `TW_DIST` loads another build's dist/ (A/B runs).
const DIST = process.env.TW_DIST ?? '../dist';
const { Hub } = await import(`${DIST}/pipeline/hub.js`);
const { parseConfig } = await import(`${DIST}/config.js`);
const { startServer } = await import(`${DIST}/sinks/server/index.js`);

const endpoint = JSON.parse(process.argv[2]);
const clock = { nowMicros: () => Math.round((performance.timeOrigin + performance.now()) * 1000) };
const hub = new Hub(parseConfig({ endpoints: { binance: endpoint }, reconcileIntervalMs: 0 }), { clock });
const server = await startServer({ hub, port: 0, limits: { maxClients: 1000 } });
let cpu0 = process.cpuUsage();
let t0 = performance.now();
let rssPeak = 0;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 50);
process.send({ port: server.port });
process.on('message', async (m) => {
  if (m.reset) {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    rssPeak = process.memoryUsage().rss;
    process.send({ reset: true });
  }
  if (m.stats) {
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    process.send({
      stats: {
        cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
        rssMB: process.memoryUsage().rss / 2 ** 20,
        rssPeakMB: rssPeak / 2 ** 20,
        conflations: server.metrics.sum('tickwire_server_conflations_total'),
        dropped: server.metrics.sum('tickwire_server_dropped_total'),
        frames: hub.metrics.sum('tickwire_frames_total'),
      },
    });
  }
  if (m.close) {
    clearInterval(sampler);
    await server.close();
    hub.close();
    process.exit(0);
  }
});
