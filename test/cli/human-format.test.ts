/** The pure parts of the human views: pretty event lines, local time, colours, the ladder and its spread. */
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/schema/events.js';
import { prettyEvent } from '../../src/cli/human/pretty-event.js';
import { localIso, paintFor } from '../../src/cli/human/terminal.js';
import { decimalDiff, renderLadder } from '../../src/cli/human/ladder.js';
import { outputFormat } from '../../src/cli/stream-command.js';
import { prettyLogLine } from '../../src/cli/human/pretty-log.js';
import { topMarket } from '../../src/cli/top-command.js';

const plain = paintFor(false, {});
const T = Date.UTC(2026, 11, 7, 8, 15, 2, 123) * 1000 + 456; // µs
const base = { exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: T, seq: 1, epoch: 'e' } as const;

describe('local ISO time', () => {
  it('prints the wall clock of the given offset with milliseconds and the offset', () => {
    expect(localIso(T, 0)).toBe('2026-12-07T08:15:02.123+00:00');
    expect(localIso(T, 60)).toBe('2026-12-07T09:15:02.123+01:00');
    expect(localIso(T, -330)).toBe('2026-12-07T02:45:02.123-05:30');
  });
});

describe('pretty event lines', () => {
  const o = { paint: plain, offsetMinutes: 0 };
  it('trade, ticker, snapshot, delta: time, exchange, symbol, type, then the numbers as written (lossless)', () => {
    const trade: MarketEvent = { ...base, type: 'trade', tradeId: '42', price: '67012.40', size: '0.013', side: 'buy' };
    expect(prettyEvent(trade, o)).toBe(
      '2026-12-07T08:15:02.123+00:00 binance           BTC/USDT   trade         buy        67012.40 x 0.013          id 42',
    );
    const ticker: MarketEvent = { ...base, type: 'ticker', bidPrice: '1.5', bidSize: '2', askPrice: '1.6', askSize: '3', last: '1.55' };
    expect(prettyEvent(ticker, o)).toContain('ticker        bid            1.5 x 2              ask            1.6 x 3              last 1.55');
    const snap: MarketEvent = { ...base, type: 'book_snapshot', integrity: 'chained', updateId: 7, bids: [['1.5', '2']], asks: [['1.6', '3']] };
    expect(prettyEvent(snap, o)).toContain('book_snapshot bid            1.5 x 2              ask            1.6 x 3              levels 1/1 #7 chained');
    const delta: MarketEvent = { ...base, type: 'book_delta', integrity: 'chained', updateId: 8, bids: [['1.5', '0'], ['1.4', '1']], asks: [] };
    expect(prettyEvent(delta, o)).toContain('book_delta      2 bids   0 asks  1 set 1 removed  #8');
  });

  it('status lines: coloured by state on a terminal, plain with NO_COLOR or off a terminal', () => {
    const resync: MarketEvent = {
      ...base,
      type: 'status',
      scope: 'stream',
      channel: 'book',
      state: 'resyncing',
      code: 'TW_ERR_SEQUENCE_GAP',
      reason: 'update does not chain onto the book',
    };
    const line = prettyEvent(resync, { paint: paintFor(true, {}), offsetMinutes: 0 });
    expect(line).toContain('\x1b[33mresyncing    TW_ERR_SEQUENCE_GAP  update does not chain onto the book\x1b[0m');
    const live: MarketEvent = { ...resync, state: 'live', code: 'TW_OK', reason: 'book synced' };
    expect(prettyEvent(live, { paint: paintFor(true, {}), offsetMinutes: 0 })).toContain('\x1b[32mlive');
    expect(prettyEvent(resync, { paint: paintFor(true, { NO_COLOR: '1' }), offsetMinutes: 0 })).not.toContain('\x1b[');
    expect(prettyEvent(resync, { paint: paintFor(false, {}), offsetMinutes: 0 })).toContain('status/book   resyncing');
  });
});

describe('output format choice', () => {
  it('pretty on a terminal, NDJSON otherwise; --pretty / --ndjson force it; both at once are refused', () => {
    expect(outputFormat({}, true, {})).toBeTypeOf('function');
    expect(outputFormat({}, false, {})).toBeUndefined();
    expect(outputFormat({ ndjson: true }, true, {})).toBeUndefined();
    expect(outputFormat({ pretty: true }, false, {})).toBeTypeOf('function');
    expect(() => outputFormat({ pretty: true, ndjson: true }, true, {})).toThrow(/exclude each other/);
  });
});

describe('top', () => {
  it('takes one book: exchange:BASE/QUOTE or @book; @trades and @ticker are refused clearly', () => {
    expect(topMarket(['binance:BTC/USDT'])).toBe('binance:BTC/USDT');
    expect(topMarket(['binance:BTC/USDT@book'])).toBe('binance:BTC/USDT');
    expect(() => topMarket(['binance:BTC/USDT@trades'])).toThrow('top shows an order book, not trades: give binance:BTC/USDT (or binance:BTC/USDT@book)');
    expect(() => topMarket(['binance:BTC/USDT@ticker'])).toThrow(/not ticker/);
    expect(() => topMarket([])).toThrow(/one book/);
  });

  it('spread is exact decimal arithmetic', () => {
    expect(decimalDiff('30000.01', '29999.96')).toBe('0.05');
    expect(decimalDiff('0.1', '0.00000001')).toBe('0.09999999');
    expect(decimalDiff('100', '99.5')).toBe('0.5');
    expect(decimalDiff('1', '2')).toBe('-1');
  });

  it('ladder: asks above bids (best in the middle), spread between, size bars, untrusted said so', () => {
    const frame = renderLadder(
      {
        exchange: 'binance',
        symbol: 'BTC/USDT',
        bids: [['99.5', '2'], ['99', '1']],
        asks: [['100', '4'], ['101', '1']],
        updateId: 9,
        trusted: false,
        state: 'resyncing',
        reason: 'TW_ERR_SEQUENCE_GAP gap',
        time: 't',
      },
      plain,
    );
    expect(frame.split('\n')).toEqual([
      'binance BTC/USDT  resyncing — not trusted until resynced  #9  t',
      'TW_ERR_SEQUENCE_GAP gap',
      '',
      ' price  size',
      '   101     1  ' + '█'.repeat(6),
      '   100     4  ' + '█'.repeat(24),
      'spread   0.5',
      '  99.5     2  ' + '█'.repeat(12),
      '    99     1  ' + '█'.repeat(6),
      '',
    ]);
  });
});

describe('pretty logs (stderr on a terminal)', () => {
  it('a pino record becomes time, level, message and the other fields; pid/hostname dropped', () => {
    const rec = JSON.stringify({ level: 40, time: Date.UTC(2026, 11, 7, 8, 0, 1, 5), pid: 1, hostname: 'h', client: 3, msg: 'slow', x: { a: 1 } });
    expect(prettyLogLine(rec, plain, 0)).toBe('08:00:01.005 WARN  slow  client=3 x={"a":1}');
    expect(prettyLogLine('not json', plain, 0)).toBe('not json');
    expect(prettyLogLine(rec, paintFor(true, {}), 0)).toContain('\x1b[33mWARN \x1b[0m');
  });
});
