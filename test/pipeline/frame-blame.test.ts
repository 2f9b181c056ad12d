import { describe, expect, it } from 'vitest';
import { marketsNamedIn, namesMarket } from '../../src/pipeline/frame-blame.js';

describe('frame blame: which books an unreadable frame named', () => {
  it('finds market ids as whole tokens in truncated frames of each protocol', () => {
    expect(marketsNamedIn('{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{', ['BTCUSDT', 'ETHUSDT'])).toEqual(['BTCUSDT']);
    expect(marketsNamedIn('{"type":"l2update","product_id":"BTC-USD","changes":[["buy",', ['BTC-USD', 'BTC-USDT'])).toEqual(['BTC-USD']);
    expect(marketsNamedIn('{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"data":[{', ['BTC-USDT', 'BTC-USDT-SWAP'])).toEqual([
      'BTC-USDT-SWAP',
    ]);
  });

  it('an id inside a longer id is not a match; a later whole-token occurrence is', () => {
    expect(namesMarket('"BTC-USDT"', 'BTC-USD')).toBe(false);
    expect(namesMarket('XBTCUSDT', 'BTCUSDT')).toBe(false);
    expect(namesMarket('"BTCUSDTM" "BTCUSDT"', 'BTCUSDT')).toBe(true);
    expect(namesMarket('<<sim garbage>>', 'BTCUSDT')).toBe(false);
    expect(namesMarket('BTC/USD', 'BTC/USD')).toBe(true);
    expect(namesMarket('anything', '')).toBe(false);
  });
});
