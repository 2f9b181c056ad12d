/** Gate.io spot through the conformance suite (./suite.ts); Gate's own rules: test/exchanges/gateio.test.ts. */
import { readFileSync } from 'node:fs';
import { asItems, conformance } from './suite.js';

/** Gate's documented WebSocket examples (fixtures/README.md: no real capture exists in the repository), compacted. */
const doc = (file: string): string =>
  JSON.stringify(JSON.parse(readFileSync(new URL(`../../fixtures/gateio/${file}`, import.meta.url), 'utf8')));
const examples = (): string[] =>
  ['ws-order-book-update.json', 'ws-tickers.json', 'ws-trades.json', 'ws-book-ticker.json', 'ws-pong.json', 'ws-subscribe-ack.json', 'ws-subscribe-error.json', 'ws-upgrade-notice.json'].map(doc);

conformance({
  id: 'gateio',
  // the documented order-book push is a `full` one: it replaces the book (an in-band snapshot), so it goes live alone
  captures: [{ name: 'Gate.io documented examples', items: () => asItems(examples()), expect: { bookMessages: 1, live: 1 } }],
  batchPerMarket: 'spot.order_book_update takes one pair (and its interval) per request; the list channels batch (docs/protocols/gateio.md)',
  noAlteration: 'the documented book is one full push with nothing to chain onto (test/exchanges/gateio.test.ts alters U/u)',
});
