/**
 * Deribit derivative data: the documented ticker example (fixtures/deribit/doc-examples.json) gives mark, index,
 * funding and open interest with its unit; trades marked `liquidation` (M/T/MT, documented on the trades page; the
 * documented trade example has no such field, so the test adds it to a copy) give liquidation orders. (That each
 * rides on its partner's channel, asked once: test/conformance/deribit.test.ts `sharesStream`.)
 */
import { describe, expect, it } from 'vitest';
import { parseDeribitFrame } from '../../src/exchanges/deribit/parse.js';
import type { AdapterContext, Instrument } from '../../src/exchanges/types.js';
import { docExamples } from '../helpers/fixtures.js';

const frame = (name: string): string => docExamples('deribit')[name]!;
const ctx: AdapterContext = { bookDepth: 0, instruments: new Map() };

/** The documented BTC-PERPETUAL trade (sell 10 USD at 8950) with the documented `liquidation` field added. */
const liquidated = (who: 'M' | 'T' | 'MT'): string => frame('trades').replace('"amount":10}', `"amount":10,"liquidation":"${who}"}`);

describe('deribit derivative and liquidations', () => {
  it('ticker example: mark, index, current_funding as the rate, open interest in USD (a perpetual); funding_8h not carried', () => {
    expect(parseDeribitFrame(frame('ticker')).filter((m) => m.kind === 'derivative')).toEqual([
      {
        kind: 'derivative',
        market: 'BTC-PERPETUAL',
        exchangeTime: 1623060194301000,
        fields: { markPrice: '36446.51', indexPrice: '36441.64', fundingRate: '0', openInterest: '502097590', openInterestUnit: 'usd' },
      },
    ]);
  });

  it('open interest unit from the instrument list: USD on inverse instruments, the coin otherwise', () => {
    const linear = frame('ticker').replaceAll('BTC-PERPETUAL', 'BTC_USDC-PERPETUAL');
    const inst = (sizeUnit: string) => new Map<string, Instrument>([['BTC_USDC-PERPETUAL', { market: 'BTC_USDC-PERPETUAL', symbol: 'BTC/USDC:USDC', base: 'BTC', quote: 'USDC', trading: true, sizeUnit }]]);
    const unit = (c: AdapterContext | undefined) => parseDeribitFrame(linear, c).find((m) => m.kind === 'derivative');
    expect(unit(undefined)).toMatchObject({ fields: { openInterestUnit: 'base' } }); // by name: `_USDC` is linear
    expect(unit({ ...ctx, instruments: inst('BTC') })).toMatchObject({ fields: { openInterestUnit: 'base' } });
    expect(unit({ ...ctx, instruments: inst('USD') })).toMatchObject({ fields: { openInterestUnit: 'usd' } });
  });

  it('a trade without `liquidation` is no liquidation', () => {
    expect(parseDeribitFrame(frame('trades')).filter((m) => m.kind === 'liquidation')).toEqual([]);
  });

  it('T: the taker (sell) was liquidated → a sell; M: the maker → a buy; MT: both, one each', () => {
    const liqs = (who: 'M' | 'T' | 'MT') => parseDeribitFrame(liquidated(who)).filter((m) => m.kind === 'liquidation');
    const one = (side: 'buy' | 'sell') => ({ kind: 'liquidation', market: 'BTC-PERPETUAL', exchangeTime: 1590484512188000, side, price: '8950', size: '10' });
    expect(liqs('T')).toEqual([one('sell')]);
    expect(liqs('M')).toEqual([one('buy')]);
    expect(liqs('MT')).toEqual([one('sell'), one('buy')]);
    // the trade itself is still a trade
    expect(parseDeribitFrame(liquidated('T')).filter((m) => m.kind === 'trade')).toHaveLength(1);
  });
});
