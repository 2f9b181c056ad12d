/**
 * An adapter whose module cannot be loaded (a broken installation; here the module throws as it loads): every stream
 * asked of that exchange gets a permanent error status saying why and `add` resolves false; `instruments` rejects,
 * `resolve` gives undefined. The other exchanges are not affected.
 */
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { Hub } from '../../src/pipeline/hub.js';
import { parseConfig } from '../../src/config.js';
import type { ConnectionEvent } from '../../src/connection/index.js';
import type { MarketEvent } from '../../src/schema/events.js';

vi.mock('../../src/exchanges/gateio/index.js', () => {
  throw new Error('gate module broken');
});

describe('an adapter that cannot be loaded', () => {
  it('error statuses and false for its streams; instruments rejects; another exchange still works', async () => {
    const hub = new Hub(parseConfig({}), {
      scheduler: new VirtualTimeScheduler(),
      http: async () => ({ status: 200, headers: {}, body: JSON.stringify({ symbols: [{ symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' }] }) }),
      createConnection: (o) => ({ id: o.id, events$: new Subject<ConnectionEvent>(), start() {}, send() {}, notePong() {}, reconnect() {}, close() {}, isOpen: false }),
    });
    const events: MarketEvent[] = [];
    hub.events$.subscribe((e) => events.push(e));
    expect(await hub.add('gateio', 'BTC/USDT', ['book', 'trades'])).toBe(false);
    const failed = { type: 'status', scope: 'stream', exchange: 'gateio', symbol: 'BTC/USDT', state: 'error', code: 'TW_ERR_CONFIG', details: { permanent: true } };
    const reason = expect.stringMatching(/^the gateio adapter could not be loaded: ./); // (vitest wraps the module's error)
    expect(events).toEqual([
      expect.objectContaining({ ...failed, channel: 'book', reason }),
      expect.objectContaining({ ...failed, channel: 'trades', reason }),
    ]);
    await expect(hub.instruments('gateio')).rejects.toMatchObject({ code: 'TW_ERR_CONFIG', message: reason });
    expect(await hub.resolve('gateio', 'BTC/USDT')).toBeUndefined();
    expect(await hub.add('binance', 'BTC/USDT', ['trades'])).toBe(true);
    hub.close();
  });
});
