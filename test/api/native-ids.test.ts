/**
 * The embedded API takes native ids like the CLI (`stream({ markets: ['okx:BTC-USDT'] })`), and `instruments()`
 * returns the simulator's own market definitions; an instrument list that cannot be fetched rejects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter } from 'rxjs';
import { instruments, stream, TwError, type MarketEvent, type TradeEvent } from '../../src/index.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { resolveSpecs } from '../../src/sim/symbols.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('API with native ids', () => {
  it('stream({ markets: ["okx:BTC-USDT", "bybit-linear:ETHUSDT"] }): trades carry the unified symbol and the native market', async () => {
    sim = await startSim({ exchanges: ['okx', 'bybit-linear'], symbols: ['BTC/USDT', 'ETH/USDT'], tradeIntervalMs: 20 });
    const events$ = stream({
      markets: ['okx:BTC-USDT', 'bybit-linear:ETHUSDT'],
      channels: ['trades'],
      endpoints: { okx: sim.endpoints.okx!, 'bybit-linear': sim.endpoints['bybit-linear']! },
    });
    const trade = (ex: string): Promise<TradeEvent> =>
      firstValueFrom(events$.pipe(filter((e: MarketEvent): e is TradeEvent => e.type === 'trade' && e.exchange === ex)));
    const [okx, bybit] = await Promise.all([trade('okx'), trade('bybit-linear')]);
    expect({ symbol: okx.symbol, market: okx.market }).toEqual({ symbol: 'BTC/USDT', market: 'BTC-USDT' });
    expect({ symbol: bybit.symbol, market: bybit.market }).toEqual({ symbol: 'ETH/USDT', market: 'ETHUSDT' });
  });

  it('instruments(): the simulator\'s symbols with their tick sizes; an unreachable endpoint rejects', async () => {
    sim = await startSim({ exchanges: ['coinbase-exchange'], symbols: ['BTC/USD', 'XRP/USDT'] });
    const list = await instruments('coinbase-exchange', { endpoints: { 'coinbase-exchange': sim.endpoints['coinbase-exchange']! } });
    const specs = resolveSpecs(['BTC/USD', 'XRP/USDT']);
    expect(list.map((r) => [r.market, r.symbol, r.tickSize, r.lotSize])).toEqual([
      ['BTC-USD', 'BTC/USD', '0.' + '0'.repeat(specs[0]!.tickDecimals - 1) + '1', '0.' + '0'.repeat(specs[0]!.lotDecimals - 1) + '1'],
      ['XRP-USDT', 'XRP/USDT', '0.' + '0'.repeat(specs[1]!.tickDecimals - 1) + '1', '0.' + '0'.repeat(specs[1]!.lotDecimals - 1) + '1'],
    ]);
    await sim.close();
    const ep = sim.endpoints['coinbase-exchange']!;
    sim = undefined;
    await expect(instruments('coinbase-exchange', { endpoints: { 'coinbase-exchange': ep }, restMaxRetries: 0, restTimeoutMs: 1000 })).rejects.toBeInstanceOf(TwError);
  });
});
