import { describe, expect, it } from 'vitest';
import { DEFAULT_SPECS, simSymbolsFor } from '../../src/sim/symbols.js';

describe('simSymbolsFor: what a --sim run lists for its market arguments', () => {
  it('unified symbols as given (a settle form by its BASE/QUOTE), nothing else', () => {
    expect(simSymbolsFor(['kraken:btc/usd', 'binance-futures:ETH/USDT:USDT', 'okx:BTC/USD'])).toEqual(['BTC/USD', 'ETH/USDT']);
  });

  it('a native id adds the default symbols and the USD pairs, so it can resolve against them', () => {
    const got = simSymbolsFor(['binance:BTCUSDT', 'kraken:SOL/EUR']);
    expect(got[0]).toBe('SOL/EUR');
    expect(got.slice(1)).toEqual([...DEFAULT_SPECS.map((d) => d.symbol), 'BTC/USD', 'ETH/USD']);
  });
});
