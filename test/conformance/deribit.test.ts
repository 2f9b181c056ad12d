/** Deribit through the conformance suite (./suite.ts); Deribit's own rules: test/exchanges/deribit.test.ts. */
import { readFileSync } from 'node:fs';
import { asItems, conformance } from './suite.js';

/** Deribit's documented examples (fixtures/README.md: no real capture exists in the repository), in the doc's order. */
const DOC = JSON.parse(readFileSync(new URL('../../fixtures/deribit/doc-examples.json', import.meta.url), 'utf8')) as {
  frames: Record<string, { source: string; frame: string }>;
};
const examples = (): string[] => Object.values(DOC.frames).map((f) => f.frame);

conformance({
  id: 'deribit',
  // the book example: a snapshot and one change chained onto it by prev_change_id
  captures: [{ name: 'Deribit documented examples', items: () => asItems(examples()), expect: { bookMessages: 2, chained: 1, live: 1 } }],
  noAlteration: 'the documented book is one snapshot and one change (test/exchanges/deribit.test.ts alters its prev_change_id)',
  batchPerMarket: 'a subscribe answer silently leaves out an unknown instrument: one instrument per request tells which (docs/protocols/deribit.md#errors)',
  // the simulator's stand-ins for BTC/USDT, ETH/USDT, SOL/USDT (as test/faults/scenarios.ts COLUMN_SYMBOLS)
  symbols: ['BTC/USD:BTC', 'ETH/USD:ETH', 'SOL/USDC:USDC'],
  sharesStream: [
    { channel: 'derivative', with: 'ticker', why: 'mark, index, funding and open interest come on the ticker channel (docs/protocols/deribit.md)' },
    { channel: 'liquidations', with: 'trades', why: 'liquidations are the trades marked `liquidation` (docs/protocols/deribit.md)' },
  ],
});
