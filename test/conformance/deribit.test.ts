/** Deribit through the conformance suite (./suite.ts); Deribit's own rules: test/exchanges/deribit.test.ts. */
import { DeribitBookData } from '../../src/exchanges/deribit/wire.js';
import { parseKeepingNumbers, plainDecimal } from '../../src/exchanges/kraken/raw-json.js';
import type { WireMessage } from '../../src/exchanges/types.js';
import { docExamples } from '../helpers/fixtures.js';
import { asItems, conformance } from './suite.js';

/** Deribit's documented examples (fixtures/README.md: no real capture exists in the repository), in the doc's order. */
const examples = (): string[] => Object.values(docExamples('deribit'));

/** The zod schema's reading of a book notification (hand-parsed on the hot path); it throws on one it refuses. */
function oracle(frame: string): WireMessage[] | undefined {
  const v = parseKeepingNumbers(frame) as { method?: string; params?: { channel?: string; data: unknown } };
  if (v.method !== 'subscription' || !/^book\.[^.]+\.[a-z0-9]+$/.test(v.params?.channel ?? '')) return undefined;
  const d = DeribitBookData.parse(v.params!.data);
  const lv = (rows: typeof d.bids): Array<[string, string]> => rows.map(([a, p, q]) => [plainDecimal(p), a === 'delete' ? '0' : plainDecimal(q)]);
  const prev = d.prev_change_id === undefined ? {} : { prevUpdateId: Number(d.prev_change_id) };
  return [{ kind: 'book', market: d.instrument_name, action: d.type === 'snapshot' ? 'snapshot' : 'delta', bids: lv(d.bids), asks: lv(d.asks), updateId: Number(d.change_id), ...prev, exchangeTime: Number(d.timestamp) * 1000 }];
}

conformance({
  id: 'deribit',
  oracle,
  // the snapshot and the change
  oracleFrames: 2,
  refused: () => [docExamples('deribit').bookChange!.replace('["delete",5041.94,0]', '["remove",5041.94,0]')],
  // the book example: a snapshot and one change chained onto it by prev_change_id
  captures: [{ name: 'Deribit documented examples', items: () => asItems(examples()), expect: { bookMessages: 2, chained: 1, live: 1 } }],
  noAlteration: 'the documented book is one snapshot and one change (test/exchanges/deribit.test.ts alters its prev_change_id)',
  batchPerMarket: 'a subscribe answer silently leaves out an unknown instrument: one instrument per request tells which (docs/protocols/deribit.md#errors)',
  // an inverse perpetual (sizes in USD), an inverse dated future, an option (sizes in the coin)
  symbols: ['BTC/USD:BTC', 'BTC/USD:BTC-241227', 'ETH/USD:ETH-241227-3000-C'],
  sharesStream: [
    { channel: 'derivative', with: 'ticker', why: 'mark, index, funding and open interest come on the ticker channel (docs/protocols/deribit.md)' },
    { channel: 'liquidations', with: 'trades', why: 'liquidations are the trades marked `liquidation` (docs/protocols/deribit.md)' },
  ],
});
