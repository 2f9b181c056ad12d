import { describe, expect, it } from 'vitest';
import { RequestIds, requestKey } from '../../src/pipeline/request-ids.js';
import { binanceAdapter } from '../../src/exchanges/binance/index.js';
import { okxAdapter } from '../../src/exchanges/okx/index.js';
import type { StreamRef } from '../../src/exchanges/types.js';

const ctx = { bookDepth: 1000, instruments: new Map() };
const refs: StreamRef[] = [
  { market: 'BTCUSDT', channel: 'book' },
  { market: 'BTCUSDT', channel: 'trades' },
];

describe('RequestIds', () => {
  it('gives each subscribe message a fresh id and remembers its streams until an ack or an error names it', () => {
    const ids = new RequestIds();
    const msgs = ids.build(binanceAdapter, 'subscribe', refs, ctx);
    const more = ids.build(binanceAdapter, 'subscribe', [{ market: 'ETHUSDT', channel: 'book' }], ctx);
    const idOf = (m: string): number => (JSON.parse(m) as { id: number }).id;
    expect(msgs.map(idOf)).toEqual([1]);
    expect(more.map(idOf)).toEqual([2]);
    expect(ids.pending).toBe(2);
    // an error reply naming only the id (Binance): the streams it carried, once
    expect(ids.take(1)).toEqual(refs);
    expect(ids.take(1)).toBeUndefined();
    // an ack (OKX echoes ids as strings) forgets the request
    ids.ack('2');
    expect(ids.take(2)).toBeUndefined();
    expect(ids.pending).toBe(0);
  });

  it('does not remember unsubscribe requests (an error to one has no stream to refuse)', () => {
    const ids = new RequestIds();
    const msgs = ids.build(okxAdapter, 'unsubscribe', [{ market: 'BTC-USDT', channel: 'book' }], ctx);
    expect(msgs.length).toBeGreaterThan(0);
    expect(ids.pending).toBe(0);
  });

  it('stays bounded when the exchange never acks: the oldest requests go first', () => {
    const ids = new RequestIds(3);
    for (let i = 0; i < 5; i++) ids.build(binanceAdapter, 'subscribe', [{ market: `M${i}`, channel: 'book' }], ctx);
    expect(ids.pending).toBe(3);
    expect(ids.take(1)).toBeUndefined();
    expect(ids.take(2)).toBeUndefined();
    expect(ids.take(3)).toEqual([{ market: 'M2', channel: 'book' }]);
  });

  it('reads ids as numbers or digit strings only', () => {
    expect(requestKey(7)).toBe(7);
    expect(requestKey('12')).toBe(12);
    expect(requestKey('12a')).toBeUndefined();
    expect(requestKey('')).toBeUndefined();
    expect(requestKey(undefined)).toBeUndefined();
  });
});
