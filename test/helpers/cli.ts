/** Run the built CLI (`node dist/cli.js`, what `npm start` runs) as a child process and read its NDJSON. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliRun {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first `n` stdout lines (or fewer if stdout ends first). */
  lines(n: number, until?: (line: string, all: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runCli(args: string[], opts: { env?: Record<string, string> } = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const rl = createInterface({ input: child.stdout });
  const buffered: string[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  rl.on('line', (l) => {
    buffered.push(l);
    for (const w of waiters.splice(0)) w();
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    stderr: () => err,
    exit,
    lines: (n, until, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out with ${buffered.length} lines; stderr: ${err.slice(-500)}`)), timeoutMs);
        const check = (): void => {
          const done = until ? buffered.some((l, i) => until(l, buffered.slice(0, i + 1))) : buffered.length >= n;
          if (done || ended) {
            clearTimeout(t);
            resolve(buffered.slice(0, until ? buffered.length : n));
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** The `ws://` URL a `tickwire serve` run printed on stderr once listening (polls its stderr). */
export async function serveUrl(r: CliRun, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(r.stderr());
    if (m) return m[1]!;
    if (Date.now() > end || r.child.exitCode !== null) throw new Error(`no listening line; stderr: ${r.stderr().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
