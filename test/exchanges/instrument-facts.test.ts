/**
 * Instrument facts read by each adapter's `parseInstruments` from real instrument replies (Kraken AssetPairs and
 * Coinbase Exchange /products captures) and the exchanges' documented examples (Binance USD-M exchangeInfo, Bybit v5
 * instruments-info): every value is the exchange's own string, nothing absent from the reply is filled in, and
 * every record passes the one public schema.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAdapters } from '../../src/exchanges/registry.js';
import { InstrumentRecord } from '../../src/schema/instrument.js';
import { InstrumentIndex } from '../../src/pipeline/resolve.js';
import type { ExchangeId } from '../../src/schema/events.js';
import type { Instrument } from '../../src/exchanges/types.js';

const adapters = await loadAdapters();

const fixture = (path: string): string => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const parse = (ex: ExchangeId, body: string): Instrument[] => {
  const list = adapters[ex].parseInstruments(body);
  for (const i of list) InstrumentRecord.parse({ type: 'instrument', exchange: ex, ...i });
  return list;
};

describe('instrument facts from real replies', () => {
  it('Kraken AssetPairs (2021 capture): lot step from lot_decimals, ordermin; no tick_size in that capture, so none', () => {
    const list = parse('kraken', fixture('kraken/assetpairs-slice.json'));
    expect(list.find((i) => i.market === 'DOGE/USD')).toMatchObject({ kind: 'spot', lotSize: '0.00000001', minSize: '50', pricePrecision: 7 });
    for (const i of list) {
      expect(i.tickSize).toBeUndefined();
      expect(i.settle).toBeUndefined();
    }
  });

  it('Coinbase Exchange /products (2021 capture): increments, minimum size and funds, status', () => {
    const body = fixture('coinbase/COINBASE.0').split('\n')[0]!.replace(/^\S+ -> [\d.]+: /, '');
    const list = parse('coinbase-exchange', body);
    expect(list).toHaveLength(162);
    expect(list.find((i) => i.market === 'BTC-GBP')).toEqual({
      market: 'BTC-GBP',
      symbol: 'BTC/GBP',
      base: 'BTC',
      quote: 'GBP',
      trading: true,
      status: 'online',
      kind: 'spot',
      tickSize: '0.01',
      lotSize: '0.00000001',
      minSize: '0.0001',
      minNotional: '10',
      pricePrecision: 2,
      qtyPrecision: 8,
    });
  });
});

describe('instrument facts from documented examples', () => {
  it('Binance USD-M exchangeInfo: a perpetual settled in its margin asset; the MIN_NOTIONAL filter\'s notional', () => {
    const list = parse('binance-futures', fixture('binance/doc-futures-exchangeinfo.json'));
    expect(list).toEqual([
      {
        market: 'BLZUSDT',
        symbol: 'BLZ/USDT',
        base: 'BLZ',
        quote: 'USDT',
        trading: true,
        status: 'TRADING',
        kind: 'perpetual',
        settle: 'USDT',
        tickSize: '0.0001',
        lotSize: '1',
        minSize: '1',
        minNotional: '5.0',
        pricePrecision: 4,
        qtyPrecision: 0,
      },
    ]);
    // the perpetual's placeholder deliveryDate (year 2100) is not an expiry
    expect(list[0]!.expiry).toBeUndefined();
    const index = new InstrumentIndex('binance-futures', list);
    for (const ref of ['BLZ/USDT', 'BLZ/USDT:USDT', 'BLZUSDT']) expect(index.resolve(ref)).toMatchObject({ ok: true, instrument: { market: 'BLZUSDT' } });
  });

  it('Binance USD-M: a delivery contract\'s deliveryDate becomes its expiry (µs); its settle form carries YYMMDD', () => {
    // constructed from the documented fields above, changed to a quarterly (the docs' example is a perpetual)
    const doc = JSON.parse(fixture('binance/doc-futures-exchangeinfo.json')) as { symbols: Array<Record<string, unknown>> };
    const q = { ...doc.symbols[0]!, symbol: 'BLZUSDT_241227', contractType: 'CURRENT_QUARTER', deliveryDate: 1735286400000 };
    const [inst] = parse('binance-futures', JSON.stringify({ symbols: [q] }));
    expect(inst).toMatchObject({ market: 'BLZUSDT_241227', symbol: 'BLZ/USDT-241227', kind: 'future', settle: 'USDT', expiry: 1735286400000000 });
    expect(new InstrumentIndex('binance-futures', [inst!]).resolve('BLZ/USDT:USDT-241227')).toMatchObject({ ok: true, via: 'settle' });
  });

  it('Bybit v5 linear: perpetual (deliveryTime "0" is no expiry), qtyStep, minOrderQty, minNotionalValue', () => {
    const [inst] = parse('bybit-linear', fixture('bybit/doc-instruments-linear.json'));
    expect(inst).toEqual({
      market: 'BTCUSDT',
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      trading: true,
      status: 'Trading',
      kind: 'perpetual',
      settle: 'USDT',
      tickSize: '0.10',
      lotSize: '0.001',
      minSize: '0.001',
      minNotional: '5',
      pricePrecision: 1,
      qtyPrecision: 3,
    });
  });

  it('Bybit v5 spot: basePrecision is the size step, minOrderAmt the minimum value', () => {
    const [inst] = parse('bybit', fixture('bybit/doc-instruments-spot.json'));
    expect(inst).toMatchObject({ kind: 'spot', tickSize: '0.1', lotSize: '0.000001', minSize: '0.000011', minNotional: '5' });
    expect(inst!.settle).toBeUndefined();
  });
});
