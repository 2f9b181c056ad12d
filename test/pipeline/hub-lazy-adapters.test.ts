/**
 * The hub loads an exchange's adapter when it first needs it (src/exchanges/registry.ts): the operations asked while
 * it loads wait for it, make one runtime between them and keep their order; a hub closed meanwhile makes none.
 */
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Hub, type HubDeps } from '../../src/pipeline/hub.js';
import { parseConfig } from '../../src/config.js';
import type { Connection, ConnectionEvent } from '../../src/connection/index.js';
import type { MarketEvent } from '../../src/schema/events.js';

const EXCHANGE_INFO = JSON.stringify({
  symbols: ['BTC', 'ETH'].map((base) => ({ symbol: `${base}USDT`, status: 'TRADING', baseAsset: base, quoteAsset: 'USDT' })),
});

/** REST answered with a two-symbol exchangeInfo, connections that never open: what the hub asked, no socket. */
function fakes() {
  const urls: string[] = [];
  const connections: string[] = [];
  const deps: HubDeps = {
    scheduler: new VirtualTimeScheduler(),
    http: async (url) => {
      urls.push(url);
      return { status: 200, headers: {}, body: EXCHANGE_INFO };
    },
    createConnection: (opts): Connection => {
      connections.push(opts.id);
      return { id: opts.id, events$: new Subject<ConnectionEvent>(), start() {}, send() {}, notePong() {}, reconnect() {}, close() {}, isOpen: false };
    },
  };
  return { urls, connections, deps };
}

describe('the hub loads an adapter on first use', () => {
  it('two adds of one exchange in one tick: one load, one runtime (one instruments request), both markets on it', async () => {
    const f = fakes();
    const hub = new Hub(parseConfig({ symbolsPerConnection: 10 }), f.deps);
    const adds = [hub.add('binance', 'BTC/USDT', ['trades']), hub.add('binance', 'ETH/USDT', ['trades'])];
    expect(hub.connections()).toEqual([]); // nothing before the adapter is loaded
    expect(await Promise.all(adds)).toEqual([true, true]);
    expect(f.urls.filter((u) => u.includes('/api/v3/exchangeInfo'))).toHaveLength(1);
    expect(hub.connections()).toEqual([{ exchange: 'binance', id: 'binance#1', open: false, markets: 2 }]);
    expect(await hub.resolve('binance', 'ethusdt')).toMatchObject({ ok: true, instrument: { market: 'ETHUSDT' } });
    hub.close();
  });

  it('what waits for the load runs in the order asked (an unknown symbol, then instruments)', async () => {
    const f = fakes();
    const hub = new Hub(parseConfig({}), f.deps);
    const events: MarketEvent[] = [];
    hub.events$.subscribe((e) => events.push(e));
    const order: string[] = [];
    const done = [
      hub.add('binance', 'NOPE/USDT', ['trades']).then((ok) => order.push(`add ${ok}`)),
      hub.instruments('binance').then((list) => order.push(`instruments ${list.length}`)),
      hub.resolve('binance', 'BTC/USDT').then((r) => order.push(`resolve ${r?.ok}`)),
    ];
    await Promise.all(done);
    expect(order).toEqual(['add false', 'instruments 2', 'resolve true']);
    expect(events).toEqual([expect.objectContaining({ type: 'status', state: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', symbol: 'NOPE/USDT' })]);
    hub.close();
  });

  it('an operation asked by a subscriber while the waiting ones run goes after them', async () => {
    const f = fakes();
    const hub = new Hub(parseConfig({}), f.deps);
    const statuses: string[] = [];
    let later: Promise<boolean> | undefined;
    hub.events$.subscribe((e) => {
      if (e.type !== 'status') return;
      statuses.push(`${e.symbol} ${e.code}`);
      // the first add's refusal (spot offers no derivative channel) comes while the second add still waits
      if (e.code === 'TW_ERR_CONFIG') later = hub.add('binance', 'NOPE2/USDT', ['trades']);
    });
    const first = hub.add('binance', 'BTC/USDT', ['derivative']);
    const second = hub.add('binance', 'NOPE/USDT', ['trades']);
    expect(await Promise.all([first, second])).toEqual([false, false]);
    expect(await later).toBe(false);
    expect(statuses).toEqual(['BTC/USDT TW_ERR_CONFIG', 'NOPE/USDT TW_ERR_UNKNOWN_SYMBOL', 'NOPE2/USDT TW_ERR_UNKNOWN_SYMBOL']);
    hub.close();
  });

  it('closed while the adapter loads: the add resolves false and no runtime is made (no request, no connection)', async () => {
    const f = fakes();
    const hub = new Hub(parseConfig({}), f.deps);
    const added = hub.add('okx', 'BTC/USDT', ['book']);
    const listed = hub.instruments('okx');
    hub.close();
    expect(await added).toBe(false);
    await expect(listed).rejects.toThrow('hub closed');
    expect(f.urls).toEqual([]);
    expect(f.connections).toEqual([]);
    expect(hub.restUsedWeight()).toEqual({}); // (one entry per runtime)
  });
});
