/** Kraken (WebSocket v2) through the conformance suite (./suite.ts); Kraken's own rules: test/exchanges/kraken*.test.ts. */
import { asItems, conformance, type Capture } from './suite.js';
import { context, convertedInstruments, fixtureLines } from '../helpers/kraken-replay.js';

/** Real v1 captures converted to v2 frames by scripts/kraken-v1-to-v2.mjs (fixtures/README.md); every book frame but the snapshots' carries a checksum. */
const converted = (file: string, depth: number, bookMessages: number, checksums: number, live: number): Capture => ({
  name: `${file} (depth ${depth})`,
  items: () => asItems(fixtureLines(`v2-from-v1/${file}`)),
  ctx: () => context(convertedInstruments(), depth),
  expect: { bookMessages, checksums, live },
});

conformance({
  id: 'kraken',
  captures: [
    converted('pykraken-orderbook-v1.v2.jsonl', 10, 980, 979, 1),
    converted('pykraken-orderbook.v2.jsonl', 10, 111, 110, 1),
    converted('gct-book10.v2.jsonl', 10, 19, 16, 3),
    converted('cryptofeed-book1000.v2.jsonl', 1000, 4279, 4269, 10),
  ],
});
