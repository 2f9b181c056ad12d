/**
 * tickwire CLI writing NDJSON to a pipe: `node dist/cli.js stream … --channels book` spawned with its stdout on a real
 * pipe (a FIFO — what `tickwire stream | consumer` gets, 64 KiB of pipe buffer) read by this process. The measured
 * figures are the CLI process's (CPU from /proc/<pid>/stat, peak RSS = VmHWM). `TW_CLI` runs another build's `cli.js`.
 *
 * The reader must never be what slows the CLI down (a lagging reader makes the CLI drop events with gap statuses —
 * such a run is not counted): while measuring it reads the pipe straight into one large buffer, allocated and
 * touched before the burst (no allocation, no page faults, no copy per read), parses nothing, and finds each book's
 * target line with one `indexOf('"updateId":')` pass over the new bytes (a market check only when the id is a
 * target). After the run it rebuilds the books from every NDJSON line for the correctness check, and counts what
 * says the output was not a clean continuation: gap/resyncing/error statuses and fresh snapshots after the go
 * (`extra.unsound` > 0 fails the run in `bench/run.mjs`).
 */
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, read, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { reniceThreads } from '../lib/renice.mjs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClient } from '../lib/harness.mjs';
import { PlainBook } from '../lib/plain-book.mjs';

const cliPath = process.env.TW_CLI ?? fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const TICK_US = 1e6 / 100; // CLK_TCK
const NL = 10;
const UPDATE_ID = Buffer.from('"updateId":');
/** Bytes reserved per burst frame (a 20-level delta's line is ~800 bytes), plus room for the warm-up and recoveries. */
const BYTES_PER_FRAME = 1024;
const SLACK = 64 * 1024 * 1024;
const READ_MAX = 1024 * 1024;
const READER_NICE = -10;

function procCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US; // utime + stime
}
/** The CLI's system CPU (µs) and context switches (voluntary + involuntary) so far: the cost of its pipe writes shows there. */
function procKernel(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const sysUs = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) * TICK_US;
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const sw = Number(st.match(/voluntary_ctxt_switches:\s+(\d+)/)[1]) + Number(st.match(/nonvoluntary_ctxt_switches:\s+(\d+)/)[1]);
  return { sysUs, sw };
}
function procHwmKb(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]);
}


let child;
let fd;
let dir;
const books = new Map();
const live = new Set();
/** Bytes read so far, in `segs` (the last one is being filled at `woff`); a full segment hands its partial line on. */
let segs = [];
let buf = Buffer.alloc(0);
let woff = 0;
/** Parse cursor (warm-up: lines are applied as they come) and scan cursor (targets, while measuring). */
let poff = 0;
let soff = 0;
let measuring = false;
let stopped = false;
let targetIds; // update id → natives whose target it is
let marketPat; // native → Buffer `"market":"NATIVE"`
let cpuAtGo = 0;
let readerNice;
let cpuAtEnd;
let hwmAtEnd;
let kernelAtGo;
let kernelAtEnd;
const unsound = { statuses: {}, snapshots: 0, count: 0 };

function applyLine(line, counting) {
  const e = JSON.parse(line);
  if (e.type === 'book_snapshot' || e.type === 'book_delta') {
    const b = books.get(e.market);
    if (e.type === 'book_snapshot') {
      b.snapshot(e.bids, e.asks, e.updateId);
      if (counting) unsound.snapshots++, unsound.count++;
    } else b.apply(e.bids, e.asks), (b.updateId = e.updateId);
  } else if (e.type === 'status') {
    if (e.scope === 'stream' && e.state === 'live') live.add(e.market);
    if (counting && e.state !== 'live' && e.state !== 'reconciled' && e.state !== 'subscribed') {
      const k = `${e.state}:${e.code}`;
      unsound.statuses[k] = (unsound.statuses[k] ?? 0) + 1;
      unsound.count++;
    }
  }
}

/** Apply the complete lines of the current segment from `poff`. */
function parseLines(counting) {
  const got = buf.subarray(0, woff);
  for (;;) {
    const nl = got.indexOf(NL, poff);
    if (nl < 0) return;
    if (nl > poff) applyLine(buf.toString('latin1', poff, nl), counting);
    poff = nl + 1;
  }
}

/**
 * A fresh segment (touched now, not while measuring); the bytes from `keepFrom` (a partial line) move to it. While
 * measuring, the full segment is kept for the rebuild; during the warm-up its lines were applied already.
 */
function newSegment(bytes, keepFrom) {
  const next = Buffer.allocUnsafeSlow(bytes);
  next.fill(0);
  const carry = buf.copy(next, 0, keepFrom, woff);
  if (measuring) segs.push(buf.subarray(0, keepFrom));
  soff = Math.max(0, soff - keepFrom);
  buf = next;
  woff = carry;
  poff = 0;
}

function readLoop(ctx) {
  if (woff + READ_MAX > buf.length) newSegment(SLACK, measuring ? buf.lastIndexOf(NL, woff - 1) + 1 : poff);
  const into = buf;
  const at = woff;
  read(fd, into, at, READ_MAX, null, (err, n) => {
    if (stopped) return;
    if (err) return process.send({ t: 'error', message: `pipe read: ${err.message}` });
    if (n === 0) return process.send({ t: 'error', message: 'the CLI closed its stdout' });
    if (into !== buf) into.copy(buf, woff, at, at + n); // a new segment began while this read was under way
    woff += n;
    if (measuring) ctx.firstBytes();
    if (!ctx.armed) {
      parseLines(false);
      if (live.size === books.size) ctx.ready();
    } else if (targetIds) scan(ctx);
    readLoop(ctx);
  });
}

/** Every `"updateId":N` in [soff, woff): a target id whose line is that market's reaches it. */
function scan(ctx) {
  const got = buf.subarray(0, woff); // indexOf on `buf` itself would search the untouched rest too
  for (;;) {
    const i = got.indexOf(UPDATE_ID, soff);
    if (i < 0) {
      soff = Math.max(soff, woff - UPDATE_ID.length);
      return;
    }
    let j = i + UPDATE_ID.length;
    let id = 0;
    while (j < woff && buf[j] >= 48 && buf[j] <= 57) id = id * 10 + buf[j++] - 48;
    if (j >= woff) {
      soff = i; // the number may go on in the next read
      return;
    }
    soff = j;
    const natives = targetIds.get(id);
    if (natives === undefined) continue;
    const lineStart = buf.lastIndexOf(NL, i) + 1;
    for (const n of natives) {
      if (got.subarray(lineStart, i).indexOf(marketPat.get(n)) < 0) continue;
      if (cpuAtEnd === undefined && ctx.remainingAfter(n) === 0) {
        cpuAtEnd = procCpuUs(child.pid); // the CLI's CPU when its last target line was read
        kernelAtEnd = procKernel(child.pid);
        hwmAtEnd = procHwmKb(child.pid);
      }
      ctx.updated(n, Infinity);
    }
  }
}

let remaining;
runClient({
  start(cfg, ctx) {
    for (const n of cfg.natives) books.set(n, new PlainBook());
    remaining = new Set(cfg.natives);
    ctx.remainingAfter = (n) => {
      remaining.delete(n);
      return remaining.size;
    };
    newSegment(SLACK, 0);
    dir = mkdtempSync(join(tmpdir(), 'tw-bench-cli-'));
    const fifo = join(dir, 'stdout');
    execFileSync('mkfifo', [fifo]);
    fd = openSync(fifo, constants.O_RDWR); // our read end; opening it first lets the write end open at once
    const wfd = openSync(fifo, constants.O_WRONLY);
    child = spawn(
      process.execPath,
      [...(process.env.BENCH_CLI_FLAGS ? process.env.BENCH_CLI_FLAGS.split(' ') : []), cliPath, 'stream', ...cfg.symbols.map((s) => `binance:${s}`), '--channels', 'book', '--endpoint', `binance=${cfg.ws},${cfg.rest}`, '--log-level', 'warn', ...(process.env.BENCH_CLI_ARGS ? process.env.BENCH_CLI_ARGS.split(' ') : [])],
      { stdio: ['ignore', wfd, 'inherit'] },
    );
    closeSync(wfd);
    process.on('exit', () => child.kill('SIGKILL')); // the harness exits at a disconnect too: no CLI left behind
    // the reader must be on a CPU whenever the pipe has bytes (it uses ~1% of the CLI's CPU); where allowed (root),
    // it runs ahead of the other processes of a busy box — all its threads — so that its waits for a CPU do not make
    // the CLI drop events
    readLoop(ctx); // its first read starts libuv's thread pool: the threads that block in read(2) exist from here on
    readerNice = reniceThreads(READER_NICE);
  },
  countOnly: false,
  onGo(frames) {
    // room for the whole burst, allocated and touched now; the lines not yet parsed move along
    parseLines(false);
    newSegment(frames * BYTES_PER_FRAME + SLACK, poff);
    measuring = true;
    cpuAtGo = procCpuUs(child.pid);
    kernelAtGo = procKernel(child.pid);
  },
  onTargets(targets, ctx) {
    targetIds = new Map();
    marketPat = new Map();
    for (const [n, u] of Object.entries(targets)) {
      if (!targetIds.has(u)) targetIds.set(u, []);
      targetIds.get(u).push(n);
      marketPat.set(n, Buffer.from(`"market":"${n}"`));
    }
    soff = poff; // everything read since the go
    scan(ctx);
  },
  currentId: () => undefined,
  book(n) {
    if (!this.rebuilt) {
      this.rebuilt = true;
      stopped = true;
      // the lines read while measuring: every segment since the go, then the current one
      for (const s of segs.splice(0)) {
        let p = 0;
        for (;;) {
          const nl = s.indexOf(NL, p);
          if (nl < 0) break;
          if (measuring) applyLine(s.toString('latin1', p, nl), true);
          p = nl + 1;
        }
      }
      parseLines(measuring);
    }
    const b = books.get(n);
    return { updateId: b.updateId, ...b.top(10) };
  },
  measure() {
    return {
      cpuUs: (cpuAtEnd ?? procCpuUs(child.pid)) - cpuAtGo,
      maxRssKb: hwmAtEnd ?? procHwmKb(child.pid),
      // over the burst: the CLI's system CPU and its context switches
      sysUs: (kernelAtEnd ?? procKernel(child.pid)).sysUs - kernelAtGo.sysUs,
      switches: (kernelAtEnd ?? procKernel(child.pid)).sw - kernelAtGo.sw,
      unsound: unsound.count,
      unsoundDetail: unsound,
    };
  },
  async stop() {
    stopped = true;
    // the CLI stops at SIGTERM; waiting for its exit (at most 5 s) lets `--cpu-prof` in BENCH_CLI_FLAGS write its profile
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});
