/** Gate.io spot through the conformance suite (./suite.ts); Gate's own rules: test/exchanges/gateio.test.ts. */
import { BookTicker, BookUpdate, Trade } from '../../src/exchanges/gateio/wire.js';
import type { WireMessage } from '../../src/exchanges/types.js';
import { fixtureText } from '../helpers/fixtures.js';
import { asItems, conformance } from './suite.js';

/** Gate's documented WebSocket examples (fixtures/README.md: no real capture exists in the repository), compacted. */
const doc = (file: string): string => JSON.stringify(JSON.parse(fixtureText('gateio', file)));
const examples = (): string[] =>
  ['ws-order-book-update.json', 'ws-tickers.json', 'ws-trades.json', 'ws-book-ticker.json', 'ws-pong.json', 'ws-subscribe-ack.json', 'ws-subscribe-error.json', 'ws-upgrade-notice.json'].map(doc);

/** The zod schemas' reading of the hand-parsed pushes (order book, trades, book ticker); they throw on a frame they refuse. */
function oracle(frame: string): WireMessage[] | undefined {
  const v = JSON.parse(frame) as { channel?: string; event?: string; result: unknown };
  if (v.event !== 'update') return undefined;
  if (v.channel === 'spot.order_book_update') {
    const d = BookUpdate.parse(v.result);
    const common = { kind: 'book' as const, market: d.s, exchangeTime: d.t * 1000, bids: d.b, asks: d.a, updateId: d.u };
    return [d.full === true ? { ...common, action: 'snapshot' } : { ...common, action: 'delta', firstUpdateId: d.U }];
  }
  if (v.channel === 'spot.trades') {
    const t = Trade.parse(v.result);
    const [ms = '', frac = ''] = t.create_time_ms.split('.');
    const exchangeTime = Number(ms) * 1000 + Number(frac.slice(0, 3).padEnd(3, '0'));
    return [{ kind: 'trade', market: t.currency_pair, exchangeTime, tradeId: String(t.id), price: t.price, size: t.amount, side: t.side }];
  }
  if (v.channel !== 'spot.book_ticker') return undefined;
  const d = BookTicker.parse(v.result);
  return [{ kind: 'ticker', market: d.s, exchangeTime: d.t * 1000, fields: { updateId: d.u, bidPrice: d.b, bidSize: d.B, askPrice: d.a, askSize: d.A } }];
}

conformance({
  id: 'gateio',
  // the documented order-book push is a `full` one: it replaces the book (an in-band snapshot), so it goes live alone
  captures: [{ name: 'Gate.io documented examples', items: () => asItems(examples()), expect: { bookMessages: 1, live: 1 } }],
  oracle,
  // the order book, trades and book ticker examples
  oracleFrames: 3,
  refused: () => [
    doc('ws-order-book-update.json').replace('"U":48776301', '"U":"48776301"'),
    doc('ws-order-book-update.json').replace('["19137.74","0.0001"]', '["19137.74",0.0001]'),
    doc('ws-order-book-update.json').replace('"full":true', '"full":false'),
    doc('ws-trades.json').replace('"side":"sell"', '"side":"ask"'),
    doc('ws-book-ticker.json').replace('"u":48733182', '"u":1.5'),
  ],
  batchPerMarket: 'spot.order_book_update takes one pair (and its interval) per request; the list channels batch (docs/protocols/gateio.md)',
  noAlteration: 'the documented book is one full push with nothing to chain onto (test/exchanges/gateio.test.ts alters U/u)',
});
