/**
 * The harness's consumer interface over a `tickwire stream` child process: the simulator in this process, the CLI
 * in another, books rebuilt from its NDJSON exactly as the in-process harness rebuilds them from the hub's events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ExchangeId, MarketEvent } from '../../src/schema/events.js';
import { startSim, type Simulator, type SimOptions } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { consumerCore, type Consumer } from '../helpers/harness.js';

export interface CliConsumerOptions {
  exchanges: ExchangeId[];
  markets: string[];
  sim?: SimOptions;
  config: { channels: string[]; symbolsPerConnection: number; noDataTimeoutMs: number; staleAfterMs: number; restTimeoutMs: number; bookPauseMs?: number; bookCheckIntervalMs?: number };
  beforeHub?: (sim: Simulator) => void;
}

export async function startCliConsumer(opts: CliConsumerOptions): Promise<Consumer> {
  const sim = await startSim({ seed: 7, intervalMs: 20, pingIntervalMs: 300, ...opts.sim, exchanges: opts.exchanges });
  opts.beforeHub?.(sim);
  const dir = mkdtempSync(join(tmpdir(), 'tw-matrix-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...opts.config, reconcileIntervalMs: 0, backoff: { initialMs: 50, maxMs: 400, factor: 2 } }));
  const endpoints = opts.exchanges.flatMap((ex) => ['--endpoint', `${ex}=${sim.endpoints[ex]!.ws},${sim.endpoints[ex]!.rest}`]);
  const run = runCli(['stream', ...opts.markets, '--config', configFile, '--log-level', 'warn', ...endpoints]);
  const core = consumerCore(() => `; stderr: ${run.stderr().slice(-300)}`);
  // every stdout line is one event (a second reader of the child's stdout, beside runCli's own)
  createInterface({ input: run.child.stdout }).on('line', (l) => core.onEvent(JSON.parse(l) as MarketEvent));
  return {
    sim,
    ...core,
    close: async () => {
      run.child.kill('SIGINT');
      await run.exit;
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
