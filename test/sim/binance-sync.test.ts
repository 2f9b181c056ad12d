import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Simulator } from '../../src/sim/index.js';
import type { ExchangeId } from '../../src/schema/events.js';
import { getJson, Rebuild, WsProbe, type Depth, type Snapshot } from './helpers.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSim({ seed: 7, intervalMs: 5, levels: 150, pingIntervalMs: 60_000, symbols: ['BTC/USDT', 'ETH/USDT', 'XRP/USDT'] });
});
afterAll(async () => {
  await sim.close();
});

function depthOf(d: Record<string, unknown>): Depth {
  return d as unknown as Depth;
}

/**
 * Subscribe, fetch a REST snapshot, rebuild with Binance's rule, then check the rebuilt book against the true book
 * at the same update id after 50 further deltas. Returns what the snapshot looked like.
 */
async function syncOnce(exchange: ExchangeId, native: string, unified: string): Promise<{ snap: Snapshot; received: Depth[] }> {
  const futures = exchange === 'binance-futures';
  const ep = sim.endpoints[exchange];
  if (!ep) throw new Error('no endpoint');
  const stream = `${native.toLowerCase()}@depth@100ms`;
  const probe = await WsProbe.open(`${ep.ws}${futures ? '/public' : ''}/stream?streams=${stream}`);
  const rebuild = new Rebuild(futures);
  const received: Depth[] = [];
  let seen = 0;
  const pump = (): void => {
    const all = probe.data(stream);
    for (; seen < all.length; seen++) {
      const d = depthOf(all[seen] as Record<string, unknown>);
      received.push(d);
      rebuild.onDepth(d);
    }
  };
  await probe.until(() => probe.frames.length > 0, 5000, 'first diff');
  pump();
  const path = futures ? '/fapi/v1/depth' : '/api/v3/depth';
  const res = await getJson(`${ep.rest}${path}?symbol=${native}&limit=1000`);
  expect(res.status).toBe(200);
  const snap = res.body as Snapshot;
  pump();
  expect(rebuild.onSnapshot(snap)).toBe(true);
  const start = rebuild.applied;
  await probe.until(() => (pump(), rebuild.applied >= start + 50), 5000, '50 deltas');
  const truth = sim.trueBookAt(exchange, unified, rebuild.lastId);
  expect(truth).toBeDefined();
  expect(rebuild.book()).toEqual({ bids: truth?.bids, asks: truth?.asks });
  probe.close();
  return { snap, received };
}

describe('Binance simulator: REST snapshot + streamed diffs rebuild the true book', () => {
  it('spot: ids contiguous, snapshots on and inside event boundaries all sync', async () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 12 && kinds.size < 2; i++) {
      const { snap, received } = await syncOnce('binance', 'BTCUSDT', 'BTC/USDT');
      for (let j = 1; j < received.length; j++) expect(received[j]?.U).toBe((received[j - 1]?.u ?? 0) + 1);
      const onBoundary = received.some((d) => d.u === snap.lastUpdateId) || received.some((d) => d.U === snap.lastUpdateId + 1);
      kinds.add(onBoundary ? 'boundary' : 'inside');
      expect(snap.bids.length).toBeGreaterThan(100);
      expect(snap.bids[0]?.[0]).toMatch(/^\d+\.\d{8}$/);
    }
    expect([...kinds].sort()).toEqual(['boundary', 'inside']);
  });

  it('futures: pu chain, non-contiguous ids, and a snapshot landing exactly on a sent event u', async () => {
    let exactBoundary = 0;
    for (let i = 0; i < 12 && exactBoundary === 0; i++) {
      const { snap, received } = await syncOnce('binance-futures', 'ETHUSDT', 'ETH/USDT');
      let holes = 0;
      for (let j = 1; j < received.length; j++) {
        expect(received[j]?.pu).toBe(received[j - 1]?.u);
        if ((received[j]?.U ?? 0) > (received[j - 1]?.u ?? 0) + 1) holes++;
      }
      expect(holes).toBeGreaterThan(0);
      if (received.some((d) => d.u === snap.lastUpdateId)) exactBoundary++;
      expect(typeof (snap as unknown as Record<string, unknown>)['E']).toBe('number');
    }
    expect(exactBoundary).toBeGreaterThan(0);
  });

  it('trueBook is the book after the last emitted update and trueBookAt refuses ids not yet emitted', async () => {
    sim.pause();
    try {
      const now = sim.trueBook('binance', 'XRP/USDT');
      expect(now).toBeDefined();
      const ep = sim.endpoints.binance;
      const res = await getJson(`${ep?.rest}/api/v3/depth?symbol=XRPUSDT&limit=5000`);
      const snap = res.body as Snapshot;
      // paused: the snapshot is the current true book, whole (150 levels < limit)
      expect(snap.lastUpdateId).toBe(now?.updateId);
      expect(snap.bids).toEqual(now?.bids);
      expect(snap.asks).toEqual(now?.asks);
      expect(sim.trueBookAt('binance', 'XRP/USDT', (now?.updateId ?? 0) + 1)).toBeUndefined();
      expect(sim.trueBookAt('binance', 'XRP/USDT', now?.updateId ?? 0)).toEqual(now);
    } finally {
      sim.resume();
    }
  });
});

describe('determinism and burst', () => {
  it('same seed → same snapshots and burst frames; another seed differs', async () => {
    const run = async (seed: number): Promise<{ snap: unknown; frames: string[] }> => {
      const s = await startSim({ seed, exchanges: ['binance'], intervalMs: 3_600_000, levels: 50, restMidEventRatio: 0, symbols: ['BTC/USDT'] });
      try {
        const snap = (await getJson(`${s.endpoints.binance?.rest}/api/v3/depth?symbol=BTCUSDT&limit=100`)).body;
        const probe = await WsProbe.open(`${s.endpoints.binance?.ws}/ws/btcusdt@depth@100ms`);
        const r = await s.burst('binance', { diffs: 200 });
        expect(r.frames).toBe(200);
        await probe.until(() => probe.frames.length >= 200, 5000, '200 frames');
        probe.close();
        // E (market clock) varies with wall time; everything else must match
        return { snap, frames: probe.frames.map((f) => f.replace(/"E":\d+,/, '')) };
      } finally {
        await s.close();
      }
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a).toEqual(b);
    expect(c.snap).not.toEqual(a.snap);
    expect(c.frames).not.toEqual(a.frames);
  });

  it('burst writes N chained diffs to every subscriber and resolves when written', async () => {
    const ep = sim.endpoints.binance;
    const p1 = await WsProbe.open(`${ep?.ws}/stream?streams=ethusdt@depth@100ms`);
    const p2 = await WsProbe.open(`${ep?.ws}/ws/ethusdt@depth`);
    const N = 20_000;
    const r = await sim.burst('binance', { symbols: ['ETH/USDT'], diffs: N });
    expect(r.frames).toBe(2 * N);
    await p1.until(() => p1.frames.length >= N, 15_000, 'burst on p1');
    await p2.until(() => p2.frames.length >= N, 15_000, 'burst on p2');
    const ds = p2.frames.map((f) => JSON.parse(f) as Depth);
    let breaks = 0;
    for (let i = 1; i < ds.length; i++) if (ds[i]?.U !== (ds[i - 1]?.u ?? 0) + 1) breaks++;
    expect(breaks).toBe(0);
    expect(p1.data('ethusdt@depth@100ms').length).toBe(p1.frames.length);
    p1.close();
    p2.close();
  });
});
