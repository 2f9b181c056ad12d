import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/book/order-book.js';
import { okxAdapter, okxSwapAdapter, decimalsOf } from '../../src/exchanges/okx/index.js';
import { okxBookRules, okxChecksum, okxChecksumString } from '../../src/exchanges/okx/book.js';
import type { AdapterContext, DeltaMessage, WireMessage } from '../../src/exchanges/types.js';
import { crc32, crc32Signed } from '../../src/util/crc32.js';
import { InstrumentIndex } from '../../src/pipeline/resolve.js';

const ctx: AdapterContext = { bookDepth: 400, instruments: new Map() };

function delta(prevUpdateId: number | undefined, updateId: number | undefined, bids: [string, string][] = []): DeltaMessage {
  const d: DeltaMessage = { kind: 'book', market: 'BTC-USDT', action: 'delta', bids, asks: [] };
  if (updateId !== undefined) d.updateId = updateId;
  if (prevUpdateId !== undefined) d.prevUpdateId = prevUpdateId;
  return d;
}

describe('CRC32', () => {
  it('matches the standard check value and the OKX doc vectors of docs/protocols/okx.md#checksum (signed)', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32Signed('3366.1:7:3366.8:9:3366:6:3368:8')).toBe(-1881014294);
    expect(crc32Signed('3366.1:7:3366.8:9:3368:8:3372:8')).toBe(831078360);
  });

  it('hashes non-ASCII text as its UTF-8 bytes (values from Python zlib.crc32)', () => {
    expect(crc32('é€')).toBe(608641629);
    expect(crc32('ping')).toBe(634732029);
  });
});

describe('OKX checksum string', () => {
  it('interleaves bid:ask per level and continues with one side when the other runs out (doc example 1)', () => {
    const book = new OrderBook();
    book.applySnapshot(
      [
        ['3366.1', '7'],
        ['3366', '6'],
      ],
      [
        ['3366.8', '9'],
        ['3368', '8'],
      ],
    );
    expect(okxChecksumString(book)).toBe('3366.1:7:3366.8:9:3366:6:3368:8');
    expect(okxChecksum(book)).toBe(-1881014294);
  });

  it('uneven sides (doc example 2)', () => {
    const book = new OrderBook();
    book.applySnapshot(
      [['3366.1', '7']],
      [
        ['3366.8', '9'],
        ['3368', '8'],
        ['3372', '8'],
      ],
    );
    expect(okxChecksumString(book)).toBe('3366.1:7:3366.8:9:3368:8:3372:8');
    expect(okxChecksum(book)).toBe(831078360);
  });

  it('uses at most 25 levels per side and the strings as received', () => {
    const book = new OrderBook();
    const bids: [string, string][] = [];
    const asks: [string, string][] = [];
    for (let i = 0; i < 30; i++) {
      bids.push([`${100 - i}.0`, '1.50']);
      asks.push([`${101 + i}.0`, '2.500']);
    }
    book.applySnapshot(bids, asks);
    const parts = okxChecksumString(book).split(':');
    expect(parts).toHaveLength(100);
    expect(parts.slice(0, 4)).toEqual(['100.0', '1.50', '101.0', '2.500']);
    expect(parts.slice(-4)).toEqual(['76.0', '1.50', '125.0', '2.500']);
  });
});

describe('OKX parse', () => {
  const parse = (frame: string): WireMessage[] => okxAdapter.parse(frame, ctx);

  it('books snapshot and update carry seqId/prevSeqId; checksum 0 means absent', () => {
    const snap = parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","checksum":0,"prevSeqId":-1,"seqId":123456}]}',
    );
    expect(snap).toEqual([
      {
        kind: 'book',
        market: 'BTC-USDT',
        action: 'snapshot',
        exchangeTime: 1597026383085000,
        bids: [['8476.97', '256']],
        asks: [['8476.98', '415']],
        updateId: 123456,
        prevUpdateId: -1,
      },
    ]);
    const upd = parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["8476.98","0","0","0"]],"bids":[],"ts":"1597026383185","checksum":-855196043,"prevSeqId":123456,"seqId":123457}]}',
    );
    expect(upd).toEqual([
      {
        kind: 'book',
        market: 'BTC-USDT',
        action: 'delta',
        exchangeTime: 1597026383185000,
        bids: [],
        asks: [['8476.98', '0']],
        updateId: 123457,
        prevUpdateId: 123456,
        checksum: -855196043,
      },
    ]);
  });

  it('malformed books data is reported as malformed, not thrown; unknown channels as unknown', () => {
    const out = parse('{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[[1,2]],"bids":[],"ts":"1"}]}');
    expect(out).toHaveLength(1);
    expect(out[0]!.kind).toBe('malformed');
    expect(parse('{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","seqId":"7"}]}')[0]!.kind).toBe('malformed');
    expect(parse('{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[]}')[0]!.kind).toBe('unknown');
    expect(() => parse('{not json')).toThrow();
  });

  it('tickers: empty bidPx/askPx are absent; spot volumes are base and quote', () => {
    const out = parse(
      '{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1","askPx":"","askSz":"","bidPx":"8888.88","bidSz":"5","open24h":"9000","high24h":"10000","low24h":"8888.88","volCcy24h":"2222","vol24h":"2223","sodUtc0":"2222","sodUtc8":"2222","ts":"1597026383085"}]}',
    );
    expect(out).toEqual([
      {
        kind: 'ticker',
        market: 'BTC-USDT',
        exchangeTime: 1597026383085000,
        fields: {
          bidPrice: '8888.88',
          bidSize: '5',
          last: '9999.99',
          lastSize: '0.1',
          open24h: '9000',
          high24h: '10000',
          low24h: '8888.88',
          volume24h: '2223',
          quoteVolume24h: '2222',
        },
      },
    ]);
  });

  it('swap tickers: volume24h is volCcy24h (base currency), vol24h (contracts) is not reported', () => {
    const out = okxSwapAdapter.parse(
      '{"arg":{"channel":"tickers","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","last":"1","vol24h":"1000","volCcy24h":"10","ts":"1"}]}',
      ctx,
    );
    expect(out).toEqual([{ kind: 'ticker', market: 'BTC-USDT-SWAP', exchangeTime: 1000, fields: { last: '1', volume24h: '10' } }]);
  });

  it('trades (real frame from the cryptofeed capture)', () => {
    const out = parse(
      '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476307","px":"30236","sz":"0.0002","side":"buy","ts":"1652459224818"}]}',
    );
    expect(out).toEqual([
      { kind: 'trade', market: 'BTC-USDT', exchangeTime: 1652459224818000, tradeId: '338476307', price: '30236', size: '0.0002', side: 'buy' },
    ]);
  });

  it('pong, acks, notice and errors', () => {
    expect(parse('pong')).toEqual([{ kind: 'pong' }]);
    expect(parse('{"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}')).toEqual([
      { kind: 'ack', id: '1512' },
    ]);
    expect(parse('{"event":"channel-conn-count","channel":"books","connCount":"2","connId":"a4d3ae55"}')).toEqual([{ kind: 'ack' }]);
    expect(parse('{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade.","connId":"a4d3ae55"}')[0]!.kind).toBe(
      'reconnect',
    );
    expect(
      parse('{"event":"error","code":"60018","msg":"Wrong URL or channel:tickers,instId:BTC-INEXISTANT doesn\'t exist. Please use the correct URL, channel and parameters referring to API document.","connId":"ed8c407d"}'),
    ).toEqual([
      {
        kind: 'error',
        code: 'TW_ERR_UNKNOWN_SYMBOL',
        market: 'BTC-INEXISTANT',
        channel: 'ticker',
        message: expect.stringContaining('60018') as unknown as string,
      },
    ]);
    const e = parse(
      '{"id":"1512","event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\", \\"argss\\":[{ \\"channel\\" : \\"books\\", \\"instId\\" : \\"BTC-USD-191227\\"}]}","connId":"a4d3ae55"}',
    );
    expect(e).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', market: 'BTC-USD-191227', channel: 'book', id: '1512', message: expect.any(String) as unknown as string },
    ]);
  });
});

describe('OKX parse: errors without an instrument', () => {
  it('keep the request id so the pipeline can map them back', () => {
    expect(okxAdapter.parse('{"id":"9","event":"error","code":"60014","msg":"Requests too frequent.","connId":"a4d3ae55"}', ctx)).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', id: '9', message: 'OKX error 60014: Requests too frequent.' },
    ]);
  });

  it('channel-conn-count-error names the channel', () => {
    expect(
      okxAdapter.parse('{"event":"channel-conn-count-error","channel":"books","connCount":"30","connId":"a4d3ae55"}', ctx),
    ).toEqual([{ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', channel: 'book', message: 'OKX channel-conn-count-error: no message' }]);
  });
});

describe('OKX book rules', () => {
  const rules = okxBookRules();

  it('follows the documented seqId example: snapshot(-1→10), 10→15, 15→15 keepalive, 15→3 reset, 3→5', () => {
    expect(rules.first(10, delta(10, 15))).toBe('apply');
    expect(rules.next(15, delta(15, 15), undefined)).toBe('apply');
    expect(rules.next(15, delta(15, 3), undefined)).toBe('apply');
    expect(rules.next(3, delta(3, 5), undefined)).toBe('apply');
    expect(rules.next(5, delta(4, 6), undefined)).toBe('gap');
    expect(rules.next(5, delta(6, 7), undefined)).toBe('gap');
  });

  it('a live feed message without seqId is a gap; the recorded-feed variant applies it and claims checksum integrity', () => {
    expect(rules.integrity).toBe('chained');
    expect(rules.next(5, delta(undefined, undefined), undefined)).toBe('gap');
    const legacy = okxBookRules({ sequence: 'when-present' });
    expect(legacy.integrity).toBe('checksum');
    expect(legacy.checksumDepth).toBe(25);
    expect(legacy.next(5, delta(undefined, undefined), undefined)).toBe('apply');
    expect(legacy.next(5, delta(4, 6), undefined)).toBe('gap');
  });

  it('REST splice: drop older, apply the straddling one, gap when the buffer starts after the snapshot', () => {
    expect(rules.snapshotTooOld!(100, delta(120, 125))).toBe(true);
    expect(rules.snapshotTooOld!(120, delta(120, 125))).toBe(false);
    expect(rules.first(120, delta(100, 110))).toBe('drop');
    expect(rules.first(120, delta(110, 120))).toBe('drop');
    expect(rules.first(120, delta(115, 125))).toBe('apply');
    expect(rules.first(120, delta(120, 125))).toBe('apply');
    expect(rules.first(120, delta(121, 125))).toBe('gap');
  });

  it('REST snapshot request and body', () => {
    expect(rules.snapshotRequest!('BTC-USDT', 1000)).toEqual({ path: '/api/v5/market/books?instId=BTC-USDT&sz=400', weight: 1 });
    const snap = rules.parseSnapshot!(
      '{"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],"bids":[["41006.3","0.30178218","0","2"]],"ts":"1629966436396","seqId":3235851742}]}',
    );
    expect(snap).toEqual({
      updateId: 3235851742,
      bids: [['41006.3', '0.30178218']],
      asks: [['41006.8', '0.60038921']],
      exchangeTime: 1629966436396000,
    });
    expect(() => rules.parseSnapshot!('{"code":"51001","msg":"Instrument ID does not exist","data":[]}')).toThrow(/does not exist/);
  });

  it('verifies the checksum only when non-zero', () => {
    const book = new OrderBook();
    book.applySnapshot([['3366.1', '7']], [['3366.8', '9'], ['3368', '8'], ['3372', '8']]);
    const msg = delta(1, 2);
    expect(rules.verifyChecksum!(book, msg)).toBeUndefined();
    msg.checksum = 0;
    expect(rules.verifyChecksum!(book, msg)).toBeUndefined();
    msg.checksum = 831078360;
    expect(rules.verifyChecksum!(book, msg)).toBe(true);
    msg.checksum = 831078361;
    expect(rules.verifyChecksum!(book, msg)).toBe(false);
  });
});

describe('OKX adapter', () => {
  it('two exchange ids, one module: spot and swap markets never collide', () => {
    expect(okxAdapter.id).toBe('okx');
    expect(okxSwapAdapter.id).toBe('okx-swap');
    expect(okxAdapter.toMarket('BTC/USDT')).toBe('BTC-USDT');
    expect(okxSwapAdapter.toMarket('BTC/USDT')).toBe('BTC-USDT-SWAP');
    expect(okxAdapter.wsUrl({ ws: 'ws://127.0.0.1:1234', rest: 'http://127.0.0.1:1234' })).toBe('ws://127.0.0.1:1234/ws/v5/public');
    expect(okxAdapter.wsUrl(okxAdapter.defaultEndpoints)).toBe('wss://ws.okx.com:8443/ws/v5/public');
  });

  it('text ping keepalive under the 30 s idle cut', () => {
    const k = okxAdapter.keepalive;
    expect(k.ping?.kind).toBe('text');
    expect(k.ping?.intervalMs).toBeLessThan(30_000);
    expect(k.ping?.kind === 'text' && k.ping.message(1)).toBe('ping');
    expect(okxAdapter.limits.maxStreamsPerConnection).toBeLessThanOrEqual(30);
  });

  it('batches all args of one call into one subscribe message with a fresh id', () => {
    let id = 0;
    const msgs = okxAdapter.subscribe(
      [
        { market: 'BTC-USDT', channel: 'book' },
        { market: 'BTC-USDT', channel: 'ticker' },
        { market: 'ETH-USDT', channel: 'trades' },
      ],
      ctx,
      () => ++id,
    );
    expect(msgs).toEqual([
      '{"id":"1","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},{"channel":"tickers","instId":"BTC-USDT"},{"channel":"trades","instId":"ETH-USDT"}]}',
    ]);
    const un = okxAdapter.unsubscribe([{ market: 'BTC-USDT', channel: 'book' }], ctx, () => ++id);
    expect(un).toEqual(['{"id":"2","op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}']);
  });

  it('splits args beyond the 64 KB request cap', () => {
    const streams = Array.from({ length: 2000 }, (_, i) => ({ market: `C${i}-USDT`, channel: 'book' as const }));
    let id = 0;
    const msgs = okxAdapter.subscribe(streams, ctx, () => ++id);
    expect(msgs.length).toBeGreaterThan(1);
    let total = 0;
    for (const m of msgs) {
      expect(m.length).toBeLessThan(64 * 1024);
      total += (JSON.parse(m) as { args: unknown[] }).args.length;
    }
    expect(total).toBe(2000);
  });

  it('instruments: spot precisions; swap contract value and unified symbol from the underlying', () => {
    expect(decimalsOf('0.1')).toBe(1);
    expect(decimalsOf('1')).toBe(0);
    expect(decimalsOf('0.00000001')).toBe(8);
    expect(okxAdapter.instrumentsRequest().path).toBe('/api/v5/public/instruments?instType=SPOT');
    expect(okxSwapAdapter.instrumentsRequest().path).toBe('/api/v5/public/instruments?instType=SWAP');
    const spot = okxAdapter.parseInstruments(
      '{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","uly":"","baseCcy":"BTC","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","ctType":"","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","state":"live"},{"instType":"SPOT","instId":"OLD-USDT","baseCcy":"OLD","quoteCcy":"USDT","tickSz":"0.001","lotSz":"1","state":"suspend"}]}',
    );
    expect(spot).toEqual([
      { market: 'BTC-USDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', trading: true, pricePrecision: 1, qtyPrecision: 8, status: 'live', kind: 'spot', tickSize: '0.1', lotSize: '0.00000001', minSize: '0.00001' },
      { market: 'OLD-USDT', symbol: 'OLD/USDT', base: 'OLD', quote: 'USDT', trading: false, pricePrecision: 3, qtyPrecision: 0, status: 'suspend', kind: 'spot', tickSize: '0.001', lotSize: '1' },
    ]);
    const swap = okxSwapAdapter.parseInstruments(
      '{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","uly":"BTC-USDT","instFamily":"BTC-USDT","baseCcy":"","quoteCcy":"","settleCcy":"USDT","ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear","tickSz":"0.1","lotSz":"0.01","minSz":"0.01","state":"live"},{"instType":"SWAP","instId":"BTC-USD-SWAP","uly":"BTC-USD","settleCcy":"BTC","ctVal":"100","ctValCcy":"USD","ctType":"inverse","tickSz":"0.1","lotSz":"1","state":"live"}]}',
    );
    expect(swap).toEqual([
      {
        market: 'BTC-USDT-SWAP',
        symbol: 'BTC/USDT',
        base: 'BTC',
        quote: 'USDT',
        trading: true,
        pricePrecision: 1,
        qtyPrecision: 2,
        contractValue: '0.01',
        status: 'live',
        kind: 'perpetual',
        settle: 'USDT',
        tickSize: '0.1',
        lotSize: '0.01',
        minSize: '0.01',
        contractValueCurrency: 'BTC',
        multiplier: '1',
      },
      {
        market: 'BTC-USD-SWAP',
        symbol: 'BTC/USD',
        base: 'BTC',
        quote: 'USD',
        trading: true,
        pricePrecision: 1,
        qtyPrecision: 0,
        contractValue: '100',
        status: 'live',
        kind: 'perpetual',
        settle: 'BTC',
        tickSize: '0.1',
        lotSize: '1',
        contractValueCurrency: 'USD',
      },
    ]);
    // the inverse swap settles in BTC: its settle form says so
    const index = new InstrumentIndex('okx-swap', swap);
    expect(index.resolve('BTC/USD:BTC')).toMatchObject({ ok: true, instrument: { market: 'BTC-USD-SWAP' }, via: 'settle' });
    expect(index.resolve('BTC/USDT:USDT')).toMatchObject({ ok: true, instrument: { market: 'BTC-USDT-SWAP' }, via: 'settle' });
    expect(index.resolve('BTC/USD:USD')).toMatchObject({ ok: false, why: 'unknown' });
    expect(() => okxAdapter.parseInstruments('{"code":"50011","msg":"Too Many Requests","data":[]}')).toThrow(/50011/);
  });
});
