import { defineConfig } from 'vitest/config';

/**
 * Two tiers, one `npm test` (both). `unit` (`npm run test:unit`): pure code and real recorded frames, no sockets —
 * test/helpers/no-sockets.ts makes any listen/connect there throw. `e2e` (`npm run test:e2e`): everything else —
 * the simulator over loopback, the CLI as a child process, the local server, real NATS. A new test file is e2e
 * until it is listed here.
 */
const UNIT = [
  'test/book/**/*.test.ts',
  'test/docs/**/*.test.ts',
  'test/operators/**/*.test.ts',
  'test/sinks/*.test.ts', // test/sinks/server/ starts servers: e2e but for its registry
  'test/exchanges/!(*-sim-frames).test.ts', // the *-sim-frames files start the simulator
  'test/nats/units.test.ts',
  'test/pipeline/connection-pool.test.ts',
  'test/pipeline/continuity.test.ts',
  'test/pipeline/frame-router.test.ts',
  'test/pipeline/handovers.test.ts',
  'test/pipeline/hub-adapter-load-failure.test.ts',
  'test/pipeline/hub-lazy-adapters.test.ts',
  'test/pipeline/market-events.test.ts',
  'test/pipeline/no-data.test.ts',
  'test/pipeline/refusals.test.ts',
  'test/pipeline/report-throttle.test.ts',
  'test/pipeline/request-ids.test.ts',
  'test/pipeline/resolve.test.ts',
  'test/pipeline/rest-poller.test.ts',
  'test/pipeline/stream-errors.test.ts',
  'test/pipeline/subscribe-budget.test.ts',
  'test/rest/virtual-time.test.ts',
  'test/sinks/server/registry.test.ts',
  'test/sim/fault-taking.test.ts',
  'test/sim/frame-chunks.test.ts',
  'test/sim/market.test.ts',
  'test/sim/sim-symbols.test.ts',
  'test/web/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, setupFiles: ['test/helpers/no-sockets.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], exclude: UNIT } },
    ],
  },
});
