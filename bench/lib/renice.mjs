/**
 * Every thread of this process at `nice` where allowed (root), else as they are; returns the niceness in force.
 * Linux keeps a niceness per thread: `setPriority(nice)` alone moves only the main thread, while libuv's pool
 * threads (a blocking `fs.read`, DNS) keep theirs. Used for a bench's measuring processes (the CLI bench's pipe
 * reader, the local-server latency reader), so that their waits for a CPU on a small box are not counted as
 * tickwire's.
 */
import { getPriority, setPriority } from 'node:os';
import { readdirSync } from 'node:fs';

export function reniceThreads(nice) {
  try {
    setPriority(nice);
  } catch {
    return getPriority();
  }
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return nice;
}
