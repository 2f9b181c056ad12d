/**
 * Simulated Bybit frames have the real captures' shapes, and the hand parser agrees with the zod wire schemas on
 * every one of them (the simulator renders frames with its own code, never src/exchanges/).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bybitAdapter, bybitLinearAdapter } from '../../src/exchanges/bybit/index.js';
import { BookFrame, OpReply, TickerFrame, TradeFrame } from '../../src/exchanges/bybit/wire.js';
import type { AdapterContext } from '../../src/exchanges/types.js';
import { createBybitProtocol } from '../../src/sim/bybit-server.js';
import { SimLog, SimServer } from '../../src/sim/server.js';

const realBook = JSON.parse(
  readFileSync(new URL('../../fixtures/bybit/xrpusdt-ob500.ndjson', import.meta.url), 'utf8').split('\n')[1]!,
) as Record<string, unknown>;
const realTickers = readFileSync(new URL('../../fixtures/bybit/wsTicker.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const servers: SimServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Collect raw frames from one subscription until `enough` says stop (bounded by a deadline). */
async function collect(category: 'spot' | 'linear', args: string[], enough: (frames: string[]) => boolean): Promise<string[]> {
  const server = new SimServer(createBybitProtocol({ category, seed: 3, levels: 200, stepMs: 5, tradeMs: 10, tickerMs: 10 }), {
    host: '127.0.0.1',
    port: 0,
    log: new SimLog(),
  });
  await server.listen();
  servers.push(server);
  const ws = new WebSocket(`${server.wsOrigin}/v5/public/${category}`);
  const frames: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not enough frames')), 5000);
    ws.on('message', (d: Buffer) => {
      frames.push(d.toString());
      if (enough(frames)) {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ req_id: '1', op: 'subscribe', args }));
      ws.send(JSON.stringify({ op: 'ping' }));
    });
    ws.once('error', reject);
  });
  ws.terminate();
  return frames;
}

const count = (frames: string[], prefix: string): number => frames.filter((f) => f.startsWith(`{"topic":"${prefix}`)).length;

describe.each([
  ['spot', bybitAdapter],
  ['linear', bybitLinearAdapter],
] as const)('bybit sim frames (%s)', (category, adapter) => {
  let frames: string[] = [];
  const ctx: AdapterContext = { bookDepth: 50, instruments: new Map() };
  beforeAll(async () => {
    frames = await collect(category, ['orderbook.50.BTCUSDT', 'orderbook.1.ETHUSDT', 'tickers.BTCUSDT', 'publicTrade.BTCUSDT'], (f) =>
      count(f, 'orderbook.50') >= 20 && count(f, 'tickers') >= 3 && count(f, 'publicTrade') >= 3 && count(f, 'orderbook.1.') >= 1,
    );
  });

  it('book frames: same keys as the real capture, zod-valid, hand parser = schema', () => {
    const books = frames.filter((f) => f.startsWith('{"topic":"orderbook.'));
    expect(books.length).toBeGreaterThan(20);
    for (const f of books) {
      const raw = JSON.parse(f) as Record<string, unknown>;
      expect(Object.keys(raw).sort()).toEqual(Object.keys(realBook).sort());
      expect(Object.keys(raw.data as object).sort()).toEqual(Object.keys(realBook.data as object).sort());
      const z = BookFrame.parse(raw);
      const msgs = adapter.parse(f, ctx);
      if (category === 'spot' && z.topic.startsWith('orderbook.1.')) {
        // spot level 1 feeds the ticker's best bid/ask (the book here is depth 50)
        expect(msgs).toEqual([
          {
            kind: 'ticker',
            market: z.data.s,
            exchangeTime: (z.cts ?? z.ts) * 1000,
            fields: { bidPrice: z.data.b[0]![0], bidSize: z.data.b[0]![1], askPrice: z.data.a[0]![0], askSize: z.data.a[0]![1], updateId: z.data.u },
          },
        ]);
        continue;
      }
      const book = msgs.find((m) => m.kind === 'book');
      expect(book).toEqual({
        kind: 'book',
        market: z.data.s,
        action: z.type,
        exchangeTime: (z.cts ?? z.ts) * 1000,
        bids: z.data.b,
        asks: z.data.a,
        updateId: z.data.u,
        ...(z.data.seq !== undefined ? { sequence: z.data.seq } : {}),
      });
    }
  });

  it('ticker frames: the real shape of their category, hand parser = schema', () => {
    const tickers = frames.filter((f) => f.startsWith('{"topic":"tickers.'));
    const real = realTickers.find((t) => (category === 'spot' ? !('bid1Price' in (t.data as object)) : 'bid1Price' in (t.data as object)))!;
    const first = JSON.parse(tickers[0]!) as { data: Record<string, unknown> };
    for (const k of Object.keys(first.data)) if (k !== 'fundingRate') expect(Object.keys(real.data as object)).toContain(k);
    for (const f of tickers) {
      const z = TickerFrame.parse(JSON.parse(f));
      const [m] = adapter.parse(f, ctx);
      expect(m).toMatchObject({ kind: 'ticker', market: z.data.symbol, exchangeTime: z.ts * 1000 });
      if (m?.kind === 'ticker') {
        expect(m.fields.bidPrice).toBe(z.data.bid1Price);
        expect(m.fields.last).toBe(z.data.lastPrice);
      }
    }
    if (category === 'spot') expect(tickers.every((f) => !f.includes('bid1Price'))).toBe(true);
    else expect(tickers.slice(1).every((f) => f.includes('"type":"delta"'))).toBe(true);
  });

  it('trade frames and op replies: zod-valid, parsed to trades, ack and pong', () => {
    for (const f of frames.filter((x) => x.startsWith('{"topic":"publicTrade.'))) {
      const z = TradeFrame.parse(JSON.parse(f));
      const msgs = adapter.parse(f, ctx);
      expect(msgs.map((m) => m.kind === 'trade' && [m.tradeId, m.price, m.size, m.side])).toEqual(
        z.data.map((t) => [t.i, t.p, t.v, t.S === 'Buy' ? 'buy' : 'sell']),
      );
    }
    const ops = frames.filter((f) => f.startsWith('{"success"'));
    for (const f of ops) OpReply.parse(JSON.parse(f));
    expect(ops.flatMap((f) => adapter.parse(f, ctx))).toEqual([{ kind: 'ack', id: 1 }, { kind: 'pong' }]);
  });
});
