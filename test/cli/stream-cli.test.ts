/**
 * The CLI as users run it (`node dist/cli.js`, what `npm start` runs): NDJSON on stdout that parses line by line
 * against the zod schema, clean exits on signals and on a closed stdout, exit code 2 on bad input, and a slow
 * reader that gets an explicit gap instead of unbounded memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';

let run: CliRun | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  await sim?.close();
  run = undefined;
  sim = undefined;
});

const TYPES = ['ticker', 'book_snapshot', 'book_delta', 'trade', 'status'];

describe('tickwire stream', () => {
  it('--sim (npm start): every line is a schema-valid event, every type appears, SIGTERM exits 0', async () => {
    run = runCli(['stream', '--sim', '--log-level', 'warn']);
    const seen = new Set<string>();
    const lines = await run.lines(0, (l) => {
      seen.add((JSON.parse(l) as { type: string }).type);
      return TYPES.every((t) => seen.has(t));
    }, 15_000);
    for (const l of lines) {
      const r = MarketEvent.safeParse(JSON.parse(l));
      expect(r.success, l).toBe(true);
    }
    expect([...seen].sort()).toEqual([...TYPES].sort());
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.stderr()).not.toMatch(/Error|at .*\.js/);
  });

  it('--bars 1s: closed trade_bar lines between the trades; on SIGTERM the open bars are flushed, incomplete', async () => {
    run = runCli(['stream', '--sim', '--channels', 'trades', '--bars', '1s', '--log-level', 'warn']);
    const isBar = (l: string) => l.includes('"type":"trade_bar"');
    const completeBars = (all: string[]) => all.filter((l) => isBar(l) && l.includes('"complete":true')).length;
    const before = await run.lines(0, (l, all) => isBar(l) && completeBars(all) >= 2, 15_000);
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    const all = await run.lines(0, () => false);
    const events = all.map((l) => MarketEvent.parse(JSON.parse(l)));
    const bars = events.filter((e) => e.type === 'trade_bar');
    expect(bars.every((b) => b.interval === '1s' && b.trades > 0)).toBe(true);
    // after SIGTERM: one flushed bar per market, cut short by the end of the stream
    const flushed = events.slice(before.length).filter((e) => e.type === 'trade_bar');
    expect(flushed.map((b) => b.symbol).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(flushed.every((b) => !b.complete)).toBe(true);
  });

  it('ends cleanly when stdout closes (| head -5)', async () => {
    run = runCli(['stream', '--sim', '--log-level', 'warn']);
    const five = await run.lines(5);
    expect(five).toHaveLength(5);
    run.child.stdout.destroy();
    expect((await run.exit).code).toBe(0);
    expect(run.stderr()).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  it.each([
    [['stream'], /no markets/],
    [['stream', 'binance'], /expected exchange:SYMBOL/],
    [['stream', 'nasdaq:BTC/USDT'], /unknown exchange/],
    [['stream', 'binance:BTC/USDT', '--channels', 'book,quotes'], /unknown channel/],
    [['stream', 'binance:BTC/USDT', '--endpoint', 'binance=localhost'], /bad --endpoint/],
    [['stream', 'binance:BTC/USDT', '--book-depth', 'ten'], /--book-depth expects/],
    [['stream', 'binance:BTC/USDT', '--frobnicate'], /^tickwire: unknown option --frobnicate \(see --help\)$/],
    [['frobnicate'], /unknown command/],
    // swapped origins would be accepted and retried forever; an unknown exchange is named as such
    [['stream', 'binance:BTC/USDT', '--endpoint', 'binance=http://127.0.0.1:1,ws://127.0.0.1:1'], /WebSocket origin comes first/],
    [['stream', 'binance:BTC/USDT', '--endpoint', 'binance=ws://127.0.0.1:1,ws://127.0.0.1:1'], /rest: expected an HTTP origin/],
    [['stream', 'binance:BTC/USDT', '--endpoint', 'nope=ws://127.0.0.1:1,http://127.0.0.1:1'], /unknown exchange "nope"/],
    // parseArgs calls a negative number "ambiguous"; say what is wrong instead
    [['stream', 'binance:BTC/USDT', '--book-depth', '-5'], /^tickwire: --book-depth does not take a negative number \(got -5\)$/],
    [['serve', '--token', '--port', '0'], /^tickwire: --token needs a value \(got the option --port instead\)$/],
    [['sim', '--symbols', 'BTCUSDT'], /--symbols expects BASE\/QUOTE names/],
    [['sim', '--interval', '0'], /--interval expects milliseconds between book updates, at least 1/],
    [['stream', 'binance:BTC/USDT', '--bars', '90x'], /bars.interval: a bar interval such as 1s/],
    [['stream', 'binance:BTC/USDT', '--bars', '1m', '--channels', 'book'], /bars are built from trades: channels must include trades/],
    [['schema', '--bogus'], /unknown option --bogus/],
    [['schema', 'extra'], /schema takes no arguments/],
  ])('bad arguments %j → one-line error, exit 2', async (args, message) => {
    run = runCli(args);
    const { code } = await run.exit;
    expect(code).toBe(2);
    const err = run.stderr().trim();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
  });

  it('no valid subscription left → error statuses on stdout, one-line error, exit 2', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 2 });
    const ep = sim.endpoints.binance!;
    run = runCli(['stream', 'binance:NOPE/USDT', 'binance:FOO/BAR', '--endpoint', `binance=${ep.ws},${ep.rest}`, '--log-level', 'silent']);
    const { code } = await run.exit;
    expect(code).toBe(2);
    const lines = await run.lines(10);
    const errors = lines.map((l) => StatusEvent.parse(JSON.parse(l))).filter((s) => s.code === 'TW_ERR_UNKNOWN_SYMBOL');
    expect([...new Set(errors.map((e) => e.symbol))].sort()).toEqual(['FOO/BAR', 'NOPE/USDT']);
    expect(run.stderr().trim()).toMatch(/no valid subscription/);
  });

  it('the exchange refuses the only subscription for good (symbols not validated: no instrument list) → exit 2, not an idle process', async () => {
    sim = await startSim({ exchanges: ['kraken'], seed: 3 });
    const ep = sim.endpoints.kraken!;
    sim.fault('kraken', { kind: 'rest-500', count: 1 }); // the instrument list fails: symbols go unvalidated
    const dir = mkdtempSync(join(tmpdir(), 'tw-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ restMaxRetries: 0, endpoints: { kraken: ep } }));
    run = runCli(['stream', 'kraken:NOPE/USDT', '--channels', 'book', '--config', file, '--log-level', 'silent']);
    const { code } = await run.exit;
    expect(code).toBe(2);
    const statuses = (await run.lines(1000)).map((l) => StatusEvent.parse(JSON.parse(l)));
    const refusal = statuses.find((s) => s.scope === 'stream' && s.code === 'TW_ERR_UNKNOWN_SYMBOL');
    expect(refusal).toMatchObject({ symbol: 'NOPE/USDT', state: 'error', details: { permanent: true } });
    expect(run.stderr().trim()).toMatch(/no valid subscription/);
  });

  it('config file and flags: the flag beats the file', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 4, intervalMs: 20 });
    const ep = sim.endpoints.binance!;
    const dir = mkdtempSync(join(tmpdir(), 'tw-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ markets: ['binance:ETH/USDT'], channels: ['trades'], endpoints: { binance: ep } }));
    run = runCli(['stream', '--config', file, '--channels', 'book', '--log-level', 'silent']);
    const lines = await run.lines(0, (l) => l.includes('"book_delta"'));
    const events = lines.map((l) => MarketEvent.parse(JSON.parse(l)));
    expect(events.some((e) => e.type === 'trade')).toBe(false);
    expect(events.filter((e) => e.type === 'book_delta').every((e) => 'symbol' in e && e.symbol === 'ETH/USDT')).toBe(true);
  });

  it('a slow stdout reader: bounded backlog, then an explicit gap status and a fresh snapshot — never silent loss', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 5, intervalMs: 2, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] });
    const ep = sim.endpoints.binance!;
    run = runCli([
      'stream', 'binance:BTC/USDT', 'binance:ETH/USDT', 'binance:SOL/USDT',
      '--endpoint', `binance=${ep.ws},${ep.rest}`,
      '--stdout-buffer', '200000', '--log-level', 'silent',
    ]);
    await run.lines(1);
    run.child.stdout.pause(); // the reader stalls; the pipe fills, then tickwire's own backlog
    const pid = run.child.pid!;
    const rssKb = (): number => {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(m?.[1] ?? 0);
    };
    const deadline = Date.now() + 2_500;
    let peak = 0;
    while (Date.now() < deadline) {
      peak = Math.max(peak, rssKb());
      await new Promise((r) => setTimeout(r, 100));
    }
    run.child.stdout.resume();
    const lines = await run.lines(0, (l) => l.includes('TW_ERR_BACKPRESSURE'), 15_000);
    const gap = StatusEvent.parse(JSON.parse(lines.find((l) => l.includes('TW_ERR_BACKPRESSURE'))!));
    expect(gap.state).toBe('gap');
    expect(gap.details?.dropped).toBeGreaterThan(0);
    expect(peak).toBeLessThan(150 * 1024);
    // every hole in any stream's seq is exactly one announced gap; a book stream restarts from a snapshot
    const all = await run.lines(0, (_l, a) => a.length > lines.length + 200);
    const events = all.map((l) => MarketEvent.parse(JSON.parse(l)));
    const gaps = events.filter((e): e is StatusEvent => e.type === 'status' && e.code === 'TW_ERR_BACKPRESSURE');
    const announced = new Set(gaps.map((g) => `${String(g.details?.stream)}#${String(g.details?.firstSeq)}-${String(g.details?.lastSeq)}`));
    const last = new Map<string, number>();
    const holes: string[] = [];
    for (const e of events) {
      if (e.type === 'status') continue;
      const key = `${e.exchange}:${e.symbol}@${e.type === 'ticker' ? 'ticker' : e.type === 'trade' ? 'trades' : 'book'}`;
      const prev = last.get(key);
      if (prev !== undefined && e.seq !== prev + 1) holes.push(`${key}#${prev + 1}-${e.seq - 1}`);
      last.set(key, e.seq);
    }
    expect(holes.length).toBeGreaterThan(0);
    for (const hole of holes) expect(announced.has(hole), hole).toBe(true);
    const bookGap = gaps.find((g) => g.channel === 'book');
    expect(bookGap).toBeDefined();
    const next = events.slice(events.indexOf(bookGap!)).find((e) => e.type !== 'status' && e.symbol === bookGap!.symbol && e.type.startsWith('book'));
    expect(next?.type).toBe('book_snapshot');
  });
});

describe('tickwire sim', () => {
  it('runs the simulator on its own and prints the --endpoint line that stream takes as is', async () => {
    const simRun = runCli(['sim', '--exchange', 'binance', '--port', '0', '--log-level', 'silent']);
    try {
      const [line] = await simRun.lines(1);
      expect(line).toMatch(/^--endpoint binance=ws:\/\/127\.0\.0\.1:\d+,http:\/\/127\.0\.0\.1:\d+$/);
      run = runCli(['stream', 'binance:BTC/USDT', '--channels', 'book', ...line!.split(' '), '--log-level', 'silent']);
      const lines = await run.lines(0, (l) => l.includes('"book_delta"'));
      expect(lines.some((l) => l.includes('"book_snapshot"'))).toBe(true);
    } finally {
      simRun.child.kill('SIGINT');
      expect((await simRun.exit).code).toBe(0);
    }
  });
});

describe('tickwire schema and help', () => {
  it('schema prints a JSON Schema with the version', async () => {
    run = runCli(['schema']);
    const text = (await run.lines(100000)).join('\n');
    const schema = JSON.parse(text) as Record<string, unknown>;
    expect(schema['x-tickwire-schema-version']).toBe(1);
    expect(JSON.stringify(schema)).toContain('book_delta');
    expect((await run.exit).code).toBe(0);
  });

  it('--help documents stream, sim, schema and --endpoint', async () => {
    run = runCli(['stream', '--help']);
    const text = (await run.lines(1000)).join('\n');
    expect(text).toMatch(/--endpoint/);
    expect((await run.exit).code).toBe(0);
  });
});
