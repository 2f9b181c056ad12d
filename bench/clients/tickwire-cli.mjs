/**
 * tickwire CLI writing NDJSON to a pipe: `node dist/cli.js stream … --channels book` spawned with its stdout piped
 * to this reader. The measured figures are the CLI process's (CPU from /proc/<pid>/stat, peak RSS = VmHWM); the
 * reader only finds the line carrying each book's target update id (Buffer.indexOf, no parsing while measuring),
 * keeps the bytes, and rebuilds the books from the NDJSON afterwards for the correctness check. `TW_CLI` runs
 * another build's `cli.js` (A/B runs).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runClient } from '../lib/harness.mjs';
import { PlainBook } from '../lib/plain-book.mjs';

const cliPath = process.env.TW_CLI ?? fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const TICK_US = 1e6 / 100; // CLK_TCK

function procCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US; // utime + stime
}
function procHwmKb(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]);
}

let child;
const books = new Map();
let cpu0 = 0;
let measuring = false;
let chunks = [];
let pendingText = '';
const live = new Set();
let patterns; // native → Buffer pattern still to find
let tail = Buffer.alloc(0);

function applyLine(line) {
  if (line.length === 0) return;
  const e = JSON.parse(line);
  if (e.type === 'book_snapshot' || e.type === 'book_delta') {
    const b = books.get(e.market);
    if (e.type === 'book_snapshot') b.snapshot(e.bids, e.asks, e.updateId);
    else b.apply(e.bids, e.asks), (b.updateId = e.updateId);
  } else if (e.type === 'status' && e.scope === 'stream' && e.state === 'live') live.add(e.market);
}

runClient({
  start(cfg, ctx) {
    for (const n of cfg.natives) books.set(n, new PlainBook());
    child = spawn(
      process.execPath,
      [...(process.env.BENCH_CLI_FLAGS ? process.env.BENCH_CLI_FLAGS.split(' ') : []), cliPath, 'stream', ...cfg.symbols.map((s) => `binance:${s}`), '--channels', 'book', '--endpoint', `binance=${cfg.ws},${cfg.rest}`, '--log-level', 'warn', ...(process.env.BENCH_CLI_ARGS ? process.env.BENCH_CLI_ARGS.split(' ') : [])],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const self = this;
    child.stdout.on('data', (chunk) => {
      if (!ctx.armed) {
        const text = pendingText + chunk.toString();
        const lines = text.split('\n');
        pendingText = lines.pop();
        for (const l of lines) applyLine(l);
        if (live.size === cfg.natives.length) ctx.ready();
        return;
      }
      if (!measuring) {
        measuring = true;
        cpu0 = self.cpuAtGo;
      }
      chunks.push(chunk);
      if (patterns) scan(chunk, ctx);
    });
  },
  countOnly: false,
  onGo() {
    this.cpuAtGo = procCpuUs(child.pid);
  },
  onTargets(targets, ctx) {
    patterns = new Map(Object.entries(targets).map(([n, u]) => [n, Buffer.from(`"updateId":${u},`)]));
    // the target lines are within the last bytes received so far, or still to come
    const recent = Buffer.concat(chunks.slice(-64));
    scan(recent, ctx, true);
  },
  currentId: () => undefined,
  book(n) {
    if (!this.rebuilt) {
      this.rebuilt = true;
      const text = pendingText + Buffer.concat(chunks).toString();
      const lines = text.split('\n');
      for (const l of lines) if (l) applyLine(l);
    }
    const b = books.get(n);
    return { updateId: b.updateId, ...b.top(10) };
  },
  measure() {
    return { cpuUs: procCpuUs(child.pid) - this.cpuAtGo, maxRssKb: procHwmKb(child.pid) };
  },
  stop() {
    child?.kill('SIGTERM');
  },
});

function scan(chunk, ctx, whole = false) {
  const hay = whole ? chunk : Buffer.concat([tail, chunk]);
  for (const [n, pat] of patterns) {
    if (hay.indexOf(pat) >= 0) {
      patterns.delete(n);
      ctx.updated(n, Infinity);
    }
  }
  tail = hay.subarray(Math.max(0, hay.length - 64));
}
