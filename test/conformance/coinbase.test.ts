/** Coinbase Advanced Trade and Coinbase Exchange through the conformance suite (./suite.ts); Coinbase's own rules: test/exchanges/coinbase*.test.ts. */
import { readFileSync } from 'node:fs';
import { asItems, conformance } from './suite.js';

/** Received frames of the cryptofeed Coinbase Exchange capture (`<ts>: <json>`; sent frames and the connect line start with the URL). */
const receivedFrames = (): string[] =>
  readFileSync(new URL('../../fixtures/coinbase/COINBASE.ws.28.0', import.meta.url), 'utf8')
    .split('\n')
    .flatMap((line) => {
      const m = /^\d+(?:\.\d+)?: (.*)$/.exec(line);
      return m === null ? [] : [m[1]!];
    });

// no real capture of Advanced Trade is public under a licence we can use (fixtures/README.md)
conformance({ id: 'coinbase', captures: [] });

conformance({
  id: 'coinbase-exchange',
  // level2 carries neither a sequence nor a checksum: integrity none, nothing on the wire to alter and detect
  captures: [{ name: 'cryptofeed Coinbase Exchange level2/ticker/matches (2021)', items: () => asItems(receivedFrames()), expect: { bookMessages: 10 + 9719, live: 10 } }],
});
