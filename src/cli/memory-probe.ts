/**
 * A debug-only memory probe for soaks, off by default: with `TICKWIRE_DEBUG_MEMORY_MS=N` in the environment, every
 * N ms one JSON line on stderr, `{"memory":{"t":…,"rss":…,"heapUsed":…,"heapTotal":…,"external":…,"arrayBuffers":…,"gc":…}}`
 * (bytes; `t` epoch ms). When the process runs with `--expose-gc` (`node --expose-gc dist/cli.js stream …`) a full
 * garbage collection runs first (`gc: true`), so `heapUsed` is the live heap rather than a point on the GC sawtooth:
 * the figure that tells a plateau from a leak. stdout is untouched (it carries data only).
 */
export interface MemorySample {
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** A full GC ran just before (the process has `--expose-gc`). */
  gc: boolean;
}

/** One sample, after a full GC when `gc` is given. */
export function sampleMemory(gc: (() => void) | undefined, now = Date.now()): MemorySample {
  gc?.();
  const m = process.memoryUsage();
  return { t: now, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: gc !== undefined };
}

/** Parse `TICKWIRE_DEBUG_MEMORY_MS`: a positive integer (ms), else undefined (probe off). */
export function memoryProbePeriod(env: NodeJS.ProcessEnv): number | undefined {
  const v = env['TICKWIRE_DEBUG_MEMORY_MS'];
  if (v === undefined || !/^\d+$/.test(v) || Number(v) <= 0) return undefined;
  return Number(v);
}

/** Start the probe when the environment asks for it; returns its stop function (undefined when off). */
export function startMemoryProbe(env: NodeJS.ProcessEnv, write: (line: string) => void = (l) => void process.stderr.write(l)): (() => void) | undefined {
  const every = memoryProbePeriod(env);
  if (every === undefined) return undefined;
  const g = (globalThis as { gc?: () => void }).gc;
  const gc = typeof g === 'function' ? () => g() : undefined;
  const tick = (): void => write(`${JSON.stringify({ memory: sampleMemory(gc) })}\n`);
  tick();
  const timer = setInterval(tick, every);
  timer.unref();
  return () => clearInterval(timer);
}
