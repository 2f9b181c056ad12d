/** OKX spot and swaps through the conformance suite (./suite.ts); OKX's own rules: test/exchanges/okx*.test.ts. */
import { okxBookRules } from '../../src/exchanges/okx/book.js';
import {
  OkxBooksFrame,
  OkxFundingRateData,
  OkxIndexTickerData,
  OkxLiquidationData,
  OkxMarkPriceData,
  OkxOpenInterestData,
} from '../../src/exchanges/okx/wire.js';
import type { WireMessage } from '../../src/exchanges/types.js';
import { okxCapture, OKCOIN_BOOKS, OKEX_2021, OKX_2022 } from '../exchanges/okx-captures.js';
import { asItems, conformance, type Capture } from './suite.js';

// the captures predate seqId: their books are proven by the checksum every frame carries (docs/protocols/okx.md#book)
const seqIdLess = okxBookRules({ sequence: 'when-present' });

const captures: Capture[] = [
  { name: 'cryptofeed OKX books (2022)', items: () => asItems(okxCapture(OKX_2022)), rules: seqIdLess, expect: { bookMessages: 290, checksums: 290, live: 3 } },
  { name: 'cryptofeed OKEX books-l2-tbt (2021)', items: () => asItems(okxCapture(OKEX_2021)), rules: seqIdLess, expect: { bookMessages: 1504, checksums: 1504, live: 10 } },
  { name: 'gocryptotrader OKCoin books', items: () => asItems(okxCapture(OKCOIN_BOOKS)), expect: { bookMessages: 2, checksums: 2, live: 1 } },
];

const ms = (ts: string): number => Number(ts) * 1000;

/** The wire schemas' reading of a swap's derivative push (docs/protocols/okx.md#derivative-and-liquidations). */
function derivativeOracle(channel: string, data: unknown[]): WireMessage[] | undefined {
  switch (channel) {
    case 'mark-price':
      return data.map((x) => OkxMarkPriceData.parse(x)).map((d) => ({ kind: 'derivative', market: d.instId, exchangeTime: ms(d.ts), fields: { markPrice: d.markPx } }));
    case 'index-tickers':
      return data.map((x) => OkxIndexTickerData.parse(x)).map((d) => ({ kind: 'derivative', market: `${d.instId}-SWAP`, exchangeTime: ms(d.ts), fields: { indexPrice: d.idxPx } }));
    case 'funding-rate':
      return data.map((x) => OkxFundingRateData.parse(x)).map((d) => ({
        kind: 'derivative',
        market: d.instId,
        exchangeTime: ms(d.ts),
        fields: { fundingRate: d.fundingRate, nextFundingTime: ms(d.fundingTime), ...(d.nextFundingRate ? { predictedFundingRate: d.nextFundingRate } : {}) },
      }));
    case 'open-interest':
      return data.map((x) => OkxOpenInterestData.parse(x)).map((d) => ({
        kind: 'derivative',
        market: d.instId,
        exchangeTime: ms(d.ts),
        fields: { openInterest: d.oi, openInterestUnit: 'contracts', ...(d.oiUsd ? { openInterestValue: d.oiUsd } : {}) },
      }));
    case 'liquidation-orders':
      return data
        .map((x) => OkxLiquidationData.parse(x))
        .flatMap((d) => d.details.map((l): WireMessage => ({ kind: 'liquidation', market: d.instId, exchangeTime: ms(l.ts), side: l.side as 'buy' | 'sell', price: l.bkPx, size: l.sz })));
    default:
      return undefined;
  }
}

/** The wire schema's reading of a books push or a derivative push. */
function oracle(frame: string): WireMessage[] | undefined {
  const json = JSON.parse(frame) as { arg?: { channel?: string }; data?: unknown[] };
  if (json.arg?.channel !== undefined && Array.isArray(json.data)) {
    const d = derivativeOracle(json.arg.channel, json.data);
    if (d !== undefined) return d;
  }
  if (!json.arg?.channel?.startsWith('books') || !('data' in json)) return undefined;
  const ref = OkxBooksFrame.parse(json);
  return ref.data.map((d): WireMessage => ({
    kind: 'book',
    market: ref.arg.instId!,
    action: ref.action === 'snapshot' ? 'snapshot' : 'delta',
    bids: d.bids.map((l) => [l[0], l[1]]),
    asks: d.asks.map((l) => [l[0], l[1]]),
    exchangeTime: Number(d.ts) * 1000,
    ...(d.seqId !== undefined ? { updateId: d.seqId } : {}),
    ...(d.prevSeqId !== undefined ? { prevUpdateId: d.prevSeqId } : {}),
    ...(d.checksum !== undefined && d.checksum !== 0 ? { checksum: d.checksum } : {}),
  }));
}

// spot and swaps share the wire format: the same captures (they hold both) go through each adapter
// every books push of the captures: 290 + 1504 + 2
conformance({ id: 'okx', captures, oracle, oracleFrames: 1796 });
conformance({
  id: 'okx-swap',
  captures,
  oracle,
  oracleFrames: 1796,
  sharedAcrossMarkets: { channel: 'liquidations', why: 'liquidation-orders is subscribed once by instType SWAP for every swap and never unsubscribed (docs/protocols/okx.md)' },
});
