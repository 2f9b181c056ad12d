import { describe, expect, it } from 'vitest';
import { InstrumentIndex, settleSymbol, yymmdd } from '../../src/pipeline/resolve.js';
import type { Instrument } from '../../src/exchanges/types.js';

const DEC27 = Date.UTC(2024, 11, 27, 8) * 1000; // 2024-12-27 08:00 UTC, µs

const spot: Instrument = { market: 'BTCUSDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', trading: true, kind: 'spot' };
const perp: Instrument = { market: 'ETH-USDT-SWAP', symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', trading: true, kind: 'perpetual', settle: 'USDT' };
const quarterly: Instrument = {
  market: 'ETHUSDT_241227',
  symbol: 'ETH/USDT-241227',
  base: 'ETH',
  quote: 'USDT',
  trading: true,
  kind: 'future',
  settle: 'USDT',
  expiry: DEC27,
};
// two inverse contracts sharing one unified symbol (as a COIN-M venue would list them without expiry in the symbol)
const inversePerp: Instrument = { market: 'BTCUSD_PERP', symbol: 'BTC/USD', base: 'BTC', quote: 'USD', trading: true, kind: 'perpetual', settle: 'BTC' };
const inverseQ: Instrument = { market: 'BTCUSD_241227', symbol: 'BTC/USD', base: 'BTC', quote: 'USD', trading: true, kind: 'future', settle: 'BTC', expiry: DEC27 };
const option: Instrument = {
  market: 'BTC-27DEC24-60000-C',
  symbol: 'BTC/USD-27DEC24-60000-C',
  base: 'BTC',
  quote: 'USD',
  trading: true,
  kind: 'option',
  settle: 'BTC',
  expiry: DEC27,
  strike: '60000',
  optionType: 'call',
};
// a native id spelled like another instrument's unified symbol: the unified symbol wins
const trap: Instrument = { market: 'SOL/USDT', symbol: 'XSOL/USDT', base: 'XSOL', quote: 'USDT', trading: true };
const sol: Instrument = { market: 'SOLUSDT', symbol: 'SOL/USDT', base: 'SOL', quote: 'USDT', trading: true };
// Kraken-style: native = unified = `BTC/USD`; legacy `XBT/USD` reaches it through the adapter's toMarket
const kraken: Instrument = { market: 'ETH/EUR', symbol: 'ETH/EUR', base: 'ETH', quote: 'EUR', trading: true };

const index = new InstrumentIndex('test', [spot, perp, quarterly, inversePerp, inverseQ, option, trap, sol, kraken], (ref) =>
  ref.replace('XETH', 'ETH').replace('-', '/'),
);

describe('symbol resolution (unified first, then settle form, then native id, then the adapter guess)', () => {
  const ok: Array<[string, Instrument, string]> = [
    ['BTC/USDT', spot, 'symbol'],
    ['btc/usdt', spot, 'symbol'],
    ['BTCUSDT', spot, 'market'],
    ['btcusdt', spot, 'market'],
    ['ETH/USDT', perp, 'symbol'],
    ['ETH/USDT:USDT', perp, 'settle'],
    ['ETH-USDT-SWAP', perp, 'market'],
    ['ETH/USDT-241227', quarterly, 'symbol'],
    ['ETH/USDT:USDT-241227', quarterly, 'settle'],
    ['ETHUSDT_241227', quarterly, 'market'],
    ['BTC/USD:BTC', inversePerp, 'settle'],
    ['BTC/USD:BTC-241227', inverseQ, 'settle'],
    ['BTCUSD_PERP', inversePerp, 'market'],
    ['BTC/USD:BTC-241227-60000-C', option, 'settle'],
    ['BTC-27DEC24-60000-C', option, 'market'],
    ['SOL/USDT', sol, 'symbol'],
    ['ETH/EUR', kraken, 'symbol'],
    ['XETH-EUR', kraken, 'market'],
  ];
  it.each(ok)('%s → its instrument', (ref, inst, via) => {
    const r = index.resolve(ref);
    expect(r).toEqual({ ok: true, instrument: inst, via });
  });

  it('a unified symbol naming several instruments is refused with their native ids', () => {
    const r = index.resolve('BTC/USD');
    expect(r).toMatchObject({ ok: false, why: 'ambiguous', candidates: ['BTCUSD_241227', 'BTCUSD_PERP'] });
    expect(r.ok ? '' : r.reason).toMatch(/BTC\/USD is ambiguous on test: .*BTCUSD_241227, BTCUSD_PERP.*test:BTCUSD_241227/);
  });

  it.each(['ETH/USDT:USD', 'BTC/USDT:USDT', 'NOPE', 'ETH/USDT:USDT-241228', 'BTC/USD:BTC-241227-60000-P'])('%s is unknown', (ref) => {
    expect(index.resolve(ref)).toMatchObject({ ok: false, why: 'unknown' });
  });

  it('settle forms follow BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]] and need the facts that make them', () => {
    expect(yymmdd(DEC27)).toBe('241227');
    expect(settleSymbol(spot)).toBeUndefined();
    expect(settleSymbol(perp)).toBe('ETH/USDT:USDT');
    expect(settleSymbol(option)).toBe('BTC/USD:BTC-241227-60000-C');
    expect(settleSymbol({ ...quarterly, expiry: undefined })).toBeUndefined();
    expect(settleSymbol({ ...perp, settle: undefined })).toBeUndefined();
  });
});

describe('the pipeline refuses an ambiguous unified symbol (hub.add), listing the native ids', () => {
  it('error status with the candidates; a native id of the same pair is accepted by hub.resolve', async () => {
    const { Hub } = await import('../../src/pipeline/hub.js');
    const { parseConfig } = await import('../../src/config.js');
    const { binanceAdapter } = await import('../../src/exchanges/binance/index.js');
    const { VirtualTimeScheduler } = await import('rxjs');
    // an adapter whose instrument list holds two contracts with one unified symbol (the list is all that matters here)
    const adapter = { ...binanceAdapter, parseInstruments: () => [inversePerp, inverseQ] };
    const hub = new Hub(parseConfig({}), {
      adapters: { binance: adapter },
      scheduler: new VirtualTimeScheduler(),
      http: async () => ({ status: 200, headers: {}, body: '{}' }),
      createConnection: () => {
        throw new Error('no connection expected');
      },
    });
    const events: unknown[] = [];
    hub.events$.subscribe((e) => events.push(e));
    expect(await hub.add('binance', 'BTC/USD', ['trades'])).toBe(false);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'status',
        state: 'error',
        code: 'TW_ERR_UNKNOWN_SYMBOL',
        symbol: 'BTC/USD',
        channel: 'trades',
        reason: expect.stringMatching(/BTC\/USD is ambiguous on binance/),
        details: { candidates: ['BTCUSD_241227', 'BTCUSD_PERP'] },
      }),
    ]);
    expect(await hub.resolve('binance', 'btcusd_perp')).toMatchObject({ ok: true, instrument: { market: 'BTCUSD_PERP', symbol: 'BTC/USD' } });
    expect(await hub.resolve('binance', 'BTC/USD:BTC-241227')).toMatchObject({ ok: true, instrument: { market: 'BTCUSD_241227' } });
    hub.close();
  });
});
