/**
 * The CLI on a real pseudo-terminal (util-linux `script` gives the child a pty for stdout and stderr): on a terminal
 * `stream` prints readable lines and readable logs instead of JSON, coloured unless NO_COLOR is set, and `top`
 * redraws a ladder of the verified book.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

// skipped only where util-linux `script` is missing (nothing to give the child a pty); Debian ships it (bsdutils),
// so CI runs these
const hasScript = spawnSync('script', ['--version']).status === 0;
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Run `node dist/cli.js args` on a pty; resolves with everything it printed once `until` matches it. */
function onPty(args: string[], until: RegExp | ((out: string) => boolean), env: Record<string, string> = {}): Promise<string> {
  const done = typeof until === 'function' ? until : (out: string): boolean => until.test(out);
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child!.stdout!.setEncoding('utf8');
    child!.stdout!.on('data', (d: string) => {
      out += d;
      if (done(out)) resolve(out);
    });
    child!.on('exit', () => reject(new Error(`exited early: ${out.slice(-800)}`)));
  });
}

// skipped only without util-linux `script` (see hasScript above): nothing could give the child a pty
describe.skipIf(!hasScript)('on a terminal', { timeout: 60_000 }, () => {
  it('stream prints readable event lines and readable logs, statuses coloured; no JSON', async () => {
    const out = await onPty(['stream', '--sim', '--channels', 'book'], /book_delta .*#\d+/);
    const lines = out.split(/\r?\n/).filter((l) => l !== '');
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
    expect(out).toMatch(/INFO .*simulator started/); // the pino record, readable
    expect(out).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d.* binance +BTC\/USDT +book_snapshot bid +\d+\.\d+ x/);
    expect(out).toContain('\x1b[32mlive         TW_OK  book synced\x1b[0m');
  });

  it('NO_COLOR: the same lines without escape codes', async () => {
    const out = await onPty(['stream', '--sim', '--channels', 'book'], /book_delta .*#\d+/, { NO_COLOR: '1' });
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(/status\/book +live +TW_OK +book synced/);
  });

  it('--ndjson forces NDJSON on a terminal', async () => {
    const out = await onPty(['stream', '--sim', '--channels', 'book', '--ndjson', '--log-level', 'warn'], /"type":"book_delta"/);
    expect(out.split(/\r?\n/).filter((l) => l !== '').every((l) => JSON.parse(l) !== null)).toBe(true);
  });

  it('top redraws a ladder of the live book, best ask above best bid with the spread between', async () => {
    /** The last complete frame: from the last clear, escape codes removed; its price rows. */
    const lastFrame = (out: string): { text: string; rows: string[][] } => {
      const text = out.slice(out.lastIndexOf('\x1b[H\x1b[J')).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
      const rows = text.split(/\r?\n/).filter((l) => /^\s*\d+\.\d+\s+\d+\.\d+/.test(l)).map((l) => l.trim().split(/\s+/));
      return { text, rows };
    };
    const out = await onPty(['top', 'binance:BTC/USDT', '--sim', '--depth', '3', '--interval', '50'], (o) => {
      const f = lastFrame(o);
      return f.text.includes(' live ') && f.rows.length === 6;
    });
    expect(out).toContain('\x1b[H\x1b[J'); // cleared and redrawn in place
    const { text, rows } = lastFrame(out);
    expect(text).toMatch(/^binance BTC\/USDT {2}live {2}#\d+/);
    expect(text).toMatch(/spread +0\.\d+/);
    const prices = rows.map((r) => Number(r[0]));
    expect([...prices].sort((a, b) => b - a)).toEqual(prices); // 3 asks then 3 bids, descending
  });
});
