/** Binance spot and USD-M futures through the conformance suite (./suite.ts); Binance's own rules: test/exchanges/binance*.test.ts. */
import { parseWithSchemas } from '../../src/exchanges/binance/wire.js';
import { readCryptofeed, readHftbacktest } from '../exchanges/binance-replay.js';
import { conformance } from './suite.js';

// the schemas read every frame kind Binance sends: they are the oracle of the whole hot path
const oracle = (frame: string) => parseWithSchemas(frame);
// cryptofeed also recorded streams tickwire does not subscribe
// (their aggTrade frames are read: COIN-M's trades come from @aggTrade, and the parse equals the schemas on them)
const unknown = { match: (frame: string) => /^\{"stream":"[a-z0-9]+@kline_1m"/.test(frame), why: 'kline frames excepted: cryptofeed subscribed them, tickwire does not' };
// bookMessages: every depthUpdate frame of the capture; chained: those after the REST snapshot's id

conformance({
  id: 'binance',
  unknownNotRefused: 'Binance acknowledges a subscribe to an unknown symbol and then sends nothing on it (docs/protocols/binance.md)',
  captures: [
    { name: 'hftbacktest ETHUSDT spot (2024-08-08)', items: () => readHftbacktest('ethusdt_20240808.gz', 'ETHUSDT'), expect: { bookMessages: 3434, chained: 3433, live: 1 } },
    { name: 'cryptofeed Binance spot (2021)', items: () => readCryptofeed('BINANCE.ws.1.0', 'BINANCE.http.0.0'), expect: { bookMessages: 177, chained: 172, live: 4 } },
  ],
  oracle,
  unknown,
});

conformance({
  id: 'binance-futures',
  unknownNotRefused: 'Binance acknowledges a subscribe to an unknown symbol and then sends nothing on it (docs/protocols/binance.md)',
  captures: [{ name: 'cryptofeed Binance USD-M futures (2021)', items: () => readCryptofeed('BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0'), expect: { bookMessages: 764, chained: 752, live: 4 } }],
  oracle,
  unknown,
});

// COIN-M: no public capture has its frames (the simulator renders them from Binance's documented examples; the
// documented examples themselves are parsed in test/exchanges/binance-delivery.test.ts)
conformance({
  id: 'binance-delivery',
  unknownNotRefused: 'Binance acknowledges a subscribe to an unknown symbol and then sends nothing on it (docs/protocols/binance.md)',
  captures: [],
  oracle,
  symbols: ['BTC/USD', 'ETH/USD', 'SOL/USD-270326'],
});
