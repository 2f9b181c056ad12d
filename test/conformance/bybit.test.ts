/** Bybit spot and linear through the conformance suite (./suite.ts); Bybit's own rules: test/exchanges/bybit*.test.ts. */
import { readFileSync } from 'node:fs';
import { BookFrame } from '../../src/exchanges/bybit/wire.js';
import type { WireMessage } from '../../src/exchanges/types.js';
import { asItems, conformance, type Capture } from './suite.js';

const lines = (file: string): string[] =>
  readFileSync(new URL(`../../fixtures/bybit/${file}`, import.meta.url), 'utf8').split('\n').filter((l) => l.trim() !== '');

const captures: Capture[] = [
  // Bybit's own dump of orderbook.500.XRPUSDT: a snapshot, then 49 deltas whose u goes +1 each
  { name: 'Bybit orderbook.500 XRPUSDT dump', items: () => asItems(lines('xrpusdt-ob500.ndjson')), expect: { bookMessages: 50, chained: 49, live: 1 } },
  { name: 'Bybit tickers (spot, linear, option)', items: () => asItems(lines('wsTicker.jsonl')), expect: { bookMessages: 0, live: 0 } },
];

/** The wire schema's reading of an orderbook push (spot `orderbook.1` feeds the ticker instead: not covered). */
const oracle = (spot: boolean) => (frame: string): WireMessage[] | undefined => {
  if (!frame.startsWith('{"topic":"orderbook.') || (spot && frame.startsWith('{"topic":"orderbook.1.'))) return undefined;
  const z = BookFrame.parse(JSON.parse(frame));
  return [{ kind: 'book', market: z.data.s, action: z.type, exchangeTime: (z.cts ?? z.ts) * 1000, bids: z.data.b, asks: z.data.a, updateId: z.data.u, ...(z.data.seq !== undefined ? { sequence: z.data.seq } : {}) }];
};

// spot refuses more than 10 topics in one request ("args size >10"), linear takes 50 (docs/protocols/bybit.md#limits)
const perMessage = (max: number) => ({ max, count: (m: string) => (JSON.parse(m) as { args: string[] }).args.length });

conformance({ id: 'bybit', captures, oracle: oracle(true), perMessage: perMessage(10) });
conformance({
  id: 'bybit-linear',
  captures,
  oracle: oracle(false),
  perMessage: perMessage(50),
  sharesStream: { channel: 'derivative', with: 'ticker', why: 'mark, index, funding and open interest come on the tickers.X topic the ticker reads (docs/protocols/bybit.md)' },
});
