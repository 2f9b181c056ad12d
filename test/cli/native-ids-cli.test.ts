/**
 * Native market ids and `tickwire instruments` through the CLI (`node dist/cli.js`) against the simulator: a book
 * subscribed by its native id is the simulator's own true book at the same update id, and `instruments` lists
 * exactly the simulator's market definitions (src/sim/symbols.ts) with their tick and lot sizes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MarketEvent, type BookSnapshotEvent } from '../../src/schema/events.js';
import { InstrumentRecord } from '../../src/schema/instrument.js';
import { PROTOCOLS, startSim, simEndpointArgs, type Simulator } from '../../src/sim/index.js';
import { resolveSpecs } from '../../src/sim/symbols.js';
import { canonicalDecimal } from '../../src/book/decimal-string.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import type { ExchangeId } from '../../src/schema/events.js';

let run: CliRun | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  await sim?.close();
  run = undefined;
  sim = undefined;
});

const endpointFlags = (s: Simulator): string[] => simEndpointArgs(s).split(' ').filter(Boolean);

describe('exchange:NATIVE_ID on the command line', () => {
  it('binance:BTCUSDT, okx-swap:BTC-USDT-SWAP, binance-futures:ETH/USDT:USDT stream the unified markets; books equal the simulator truth', async () => {
    sim = await startSim({ exchanges: ['binance', 'okx-swap', 'binance-futures'], symbols: ['BTC/USDT', 'ETH/USDT'], seed: 7 });
    run = runCli([
      'stream',
      'binance:BTCUSDT',
      'okx-swap:BTC-USDT-SWAP',
      'binance-futures:ETH/USDT:USDT',
      '--channels',
      'book',
      '--ndjson',
      '--log-level',
      'warn',
      ...endpointFlags(sim),
    ]);
    const snaps = new Map<string, BookSnapshotEvent>();
    // a REST snapshot can be taken partway into an exchange event: the simulator knows its id once that event went
    // out, so the truth is read after a later delta of the same book has arrived
    const later = new Set<string>();
    const lines = await run.lines(0, (l) => {
      const e = JSON.parse(l) as MarketEvent;
      if (e.type === 'book_snapshot' && !snaps.has(e.exchange)) snaps.set(e.exchange, e);
      if (e.type === 'book_delta' && (e.updateId ?? 0) > (snaps.get(e.exchange)?.updateId ?? Infinity)) later.add(e.exchange);
      return later.size === 3;
    }, 30_000); // three books over REST and in-band snapshots: generous for a loaded machine
    for (const l of lines) expect(MarketEvent.safeParse(JSON.parse(l)).success, l).toBe(true);
    const want: Array<[ExchangeId, string, string]> = [
      ['binance', 'BTC/USDT', 'BTCUSDT'],
      ['okx-swap', 'BTC/USDT', 'BTC-USDT-SWAP'],
      ['binance-futures', 'ETH/USDT', 'ETHUSDT'],
    ];
    for (const [ex, symbol, market] of want) {
      const s = snaps.get(ex)!;
      expect({ symbol: s.symbol, market: s.market }).toEqual({ symbol, market });
      // the independent truth: the simulator's own book at the snapshot's update id
      const truth = sim.trueBookAt(ex, symbol, s.updateId!);
      expect(truth, `${ex} ${symbol} @${s.updateId}`).toBeDefined();
      const n = Math.min(20, s.bids.length, s.asks.length);
      expect(n).toBeGreaterThan(0);
      const canon = (levels: readonly (readonly [string, string])[]) => levels.slice(0, n).map(([p, q]) => [canonicalDecimal(p), canonicalDecimal(q)]);
      expect(canon(s.bids)).toEqual(canon(truth!.bids));
      expect(canon(s.asks)).toEqual(canon(truth!.asks));
    }
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
  }, 45_000);

  it('an unknown native id is refused like an unknown symbol: error status, exit 2', async () => {
    sim = await startSim({ exchanges: ['binance'], symbols: ['BTC/USDT'] });
    run = runCli(['stream', 'binance:BTCUSDC', '--channels', 'trades', '--ndjson', '--log-level', 'warn', ...endpointFlags(sim)]);
    const lines = await run.lines(0, (l) => l.includes('TW_ERR_UNKNOWN_SYMBOL'));
    expect((await run.exit).code).toBe(2);
    const err = lines.map((l) => JSON.parse(l) as MarketEvent).find((e) => e.type === 'status' && e.code === 'TW_ERR_UNKNOWN_SYMBOL');
    expect(err).toMatchObject({ symbol: 'BTCUSDC', channel: 'trades', reason: expect.stringMatching(/BTCUSDC is not listed on binance/) });
    expect(run.stderr()).toMatch(/no valid subscription left/);
  });
});

describe('tickwire instruments', () => {
  const exchanges = Object.keys(PROTOCOLS) as ExchangeId[];
  // XRP/USDT: 4 tick / 1 lot decimals, unlike the others
  const symbols = ['BTC/USDT', 'ETH/USDT', 'XRP/USDT'];

  it.each(exchanges)('%s --json equals the simulator\'s own market definitions', async (ex) => {
    sim = await startSim({ exchanges: [ex], symbols });
    run = runCli(['instruments', ex, '--json', ...endpointFlags(sim)]);
    const all = run.lines(Number.POSITIVE_INFINITY, undefined, 15_000); // every line, until stdout ends
    expect(await run.exit, run.stderr()).toEqual({ code: 0, signal: null });
    const got = (await all).map((l) => InstrumentRecord.parse(JSON.parse(l)));
    const specs = resolveSpecs(symbols);
    expect(got.map((r) => r.symbol).sort()).toEqual(specs.map((s) => s.symbol).sort());
    const step = (d: number): string => (d === 0 ? '1' : `0.${'0'.repeat(d - 1)}1`);
    for (const spec of specs) {
      const r = got.find((x) => x.symbol === spec.symbol)!;
      expect(r).toMatchObject({ exchange: ex, trading: true });
      // Deribit's instrument list gives no size step, only min_trade_amount (the simulator renders its lot there)
      const lot = ex === 'deribit' ? r.minSize : r.lotSize;
      // Binance COIN-M sizes are whole contracts: its simulator lists every lot as 1
      const lotDecimals = ex === 'binance-delivery' ? 0 : spec.lotDecimals;
      expect([canonicalDecimal(r.tickSize ?? 'absent'), canonicalDecimal(lot ?? 'absent')], `${ex} ${spec.symbol}`).toEqual([
        step(spec.tickDecimals),
        step(lotDecimals),
      ]);
    }
    expect(new Set(got.map((r) => r.market)).size).toBe(got.length);
  });

  it('the table: a header and one row per instrument; a bad exchange exits 2', async () => {
    sim = await startSim({ exchanges: ['okx-swap'], symbols });
    run = runCli(['instruments', 'okx-swap', ...endpointFlags(sim)]);
    const all = run.lines(Number.POSITIVE_INFINITY, undefined, 15_000);
    expect((await run.exit).code).toBe(0);
    const rows = await all;
    expect(rows[0]).toMatch(/^market\s+symbol\s+kind\s+settle\s+tick\s+lot/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 4))).toEqual([
      ['BTC-USDT-SWAP', 'BTC/USDT', 'perpetual', 'USDT'],
      ['ETH-USDT-SWAP', 'ETH/USDT', 'perpetual', 'USDT'],
      ['XRP-USDT-SWAP', 'XRP/USDT', 'perpetual', 'USDT'],
    ]);
    run = runCli(['instruments', 'nasdaq']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/unknown exchange "nasdaq"/);
  });
});
