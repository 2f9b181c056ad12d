/**
 * The client side of the bench protocol (each client runs in its own process, forked with an IPC channel).
 *
 *   parent → {t:'start', ws, rest, symbols, natives}      client connects and subscribes
 *   client → {t:'ready'}                                  every book is synced (or, without books, subscribed)
 *   parent → {t:'go', frames}                             warm-up over: counters reset, first-byte hook armed
 *   client → {t:'armed'}
 *   parent → {t:'targets', targets:{NATIVE: u}}           the burst is being written; its last update id per book
 *   client → {t:'result', …}                              every book reached its target (or frames counted)
 *   parent → {t:'dump'}  (only after a timeout)           client → {t:'dump', …}: where it stood (counters, books)
 *
 * Timing: tFirst is the first `data` event of any socket after `go` (a one-shot wrapper of net.Socket#emit, removed
 * at once so it costs nothing afterwards); tLast is when the client saw its last update. CPU is process.cpuUsage()
 * between `go` and the result, peak RSS is this process's VmHWM.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const hr = () => Number(process.hrtime.bigint()) / 1e3; // µs, CLOCK_MONOTONIC (comparable across processes)

export function runClient(impl) {
  let cfg;
  let armed = false;
  let tFirst = 0;
  let tLast = 0;
  let cpu0;
  let targets;
  let frames = 0;
  let expectFrames = 0;
  let remaining = -1;
  let done = false;
  let ready = false;
  const reached = new Set();
  const origEmit = net.Socket.prototype.emit;

  const arm = () => {
    net.Socket.prototype.emit = function (ev, ...args) {
      if (ev === 'data') {
        tFirst = hr();
        net.Socket.prototype.emit = origEmit;
      }
      return origEmit.call(this, ev, ...args);
    };
  };

  const finish = async () => {
    if (done) return;
    done = true;
    tLast = hr();
    const cpu = process.cpuUsage(cpu0);
    const books = {};
    if (impl.book) for (const n of cfg.natives) books[n] = await impl.book(n);
    process.send({
      t: 'result',
      tFirst,
      tLast,
      frames,
      cpuUser: cpu.user,
      cpuSystem: cpu.system,
      // VmHWM, not getrusage's maxRSS: Linux carries the forking parent's peak (the simulator's) across exec
      maxRssKb: Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1]),
      books,
      extra: { ...(impl.extra?.() ?? {}), ...(impl.measure?.() ?? {}) },
    });
  };

  const checkAll = () => {
    if (!armed || done || targets === undefined) return;
    if (impl.countOnly ? frames >= expectFrames : remaining === 0) void finish();
  };

  const ctx = {
    /** Books synced / subscribed: tell the parent (once). */
    ready() {
      if (ready) return;
      ready = true;
      process.send({ t: 'ready' });
    },
    /** The first bytes after `go` arrived by a path other than a net.Socket (the CLI's pipe): tFirst is now. */
    firstBytes() {
      if (!armed || tFirst !== 0) return;
      tFirst = hr();
      net.Socket.prototype.emit = origEmit;
    },
    /** One frame seen (count-only clients). */
    frame() {
      if (!armed) return;
      if (++frames >= expectFrames && targets !== undefined) void finish();
    },
    /** A book update: native symbol and the update id the book is now at. */
    updated(native, u) {
      if (!armed || targets === undefined || done) return;
      if (u >= targets[native] && !reached.has(native)) {
        reached.add(native);
        if (--remaining === 0) void finish();
      }
    },
    /** A book update without an update id (count-based completion: the diffs of the burst). */
    counted() {
      if (!armed) return;
      frames++;
      if (targets !== undefined && frames >= expectFrames && !done) void finish();
    },
    get armed() {
      return armed;
    },
  };

  process.on('message', async (m) => {
    if (m.t === 'start') {
      cfg = m;
      try {
        await impl.start(cfg, ctx);
      } catch (err) {
        process.send({ t: 'error', message: String(err?.stack ?? err) });
      }
    } else if (m.t === 'go') {
      expectFrames = m.frames;
      frames = 0;
      impl.onGo?.(m.frames);
      arm();
      cpu0 = process.cpuUsage();
      armed = true;
      process.send({ t: 'armed' });
    } else if (m.t === 'targets') {
      targets = m.targets;
      remaining = 0;
      for (const n of cfg.natives) {
        const have = impl.currentId?.(n);
        if (have !== undefined && have >= targets[n]) reached.add(n);
        else remaining++;
      }
      impl.onTargets?.(targets, ctx);
      if (!impl.countOnly && !impl.countBased && remaining === 0) void finish();
      if (impl.countBased && frames >= expectFrames) void finish();
      checkAll();
    } else if (m.t === 'dump') {
      // the parent timed out waiting for 'result': where this side stood (bench/run.mjs prints it)
      const cpu = cpu0 ? process.cpuUsage(cpu0) : undefined;
      process.send({
        t: 'dump',
        armed,
        done,
        tFirst,
        sinceFirstMs: tFirst ? (hr() - tFirst) / 1000 : undefined,
        cpuMs: cpu ? (cpu.user + cpu.system) / 1000 : undefined,
        frames,
        expectFrames,
        remaining,
        notReached: targets ? cfg.natives.filter((n) => !reached.has(n)) : undefined,
        state: impl.diag?.(targets),
      });
    } else if (m.t === 'stop') {
      await impl.stop?.();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
