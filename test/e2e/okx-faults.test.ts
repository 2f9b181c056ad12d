/**
 * Issue 4 (OKX half) against the simulator over real loopback sockets: three connections (okx BTC, okx ETH,
 * okx-swap BTC — one symbol per connection). Each fault resyncs only the affected book; every resynced book then
 * equals the simulator's true book at the same seqId after at least 50 further deltas; an error reply affects only
 * its own stream.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BookDeltaEvent, BookSnapshotEvent, ExchangeId, MarketEvent } from '../../src/schema/events.js';
import { expectBookEqualsTruth, isStatus, startHarness, type Harness, troubleElsewhere } from '../helpers/harness.js';

const MARKETS = ['okx:BTC/USDT', 'okx:ETH/USDT', 'okx-swap:BTC/USDT'];
const BOOKS: Array<[ExchangeId, string]> = [
  ['okx', 'BTC/USDT'],
  ['okx', 'ETH/USDT'],
  ['okx-swap', 'BTC/USDT'],
];

let h: Harness;

const live = (ex: ExchangeId, symbol: string) => isStatus({ exchange: ex, symbol, channel: 'book', state: 'live' });

/** Resync of okx BTC/USDT with `code`, then live again and equal to the true book; nothing else disturbed. */
async function expectResyncOfBtcOnly(from: number, code: string): Promise<void> {
  const resync = await h.waitFor(isStatus({ exchange: 'okx', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'BTC resyncing');
  expect(resync.code).toBe(code);
  await h.waitFor(live('okx', 'BTC/USDT'), 'BTC live again');
  await expectBookEqualsTruth(h, 'okx', 'BTC/USDT');
  await expectBookEqualsTruth(h, 'okx', 'ETH/USDT', 10);
  expect(troubleElsewhere(h, from, [['okx', 'BTC/USDT']])).toEqual([]);
}

beforeEach(async () => {
  h = await startHarness({
    exchanges: ['okx', 'okx-swap'],
    markets: MARKETS,
    sim: { tickerIntervalMs: 100 },
    // OKX's text `ping` every 300 ms keeps a connection whose data went silent alive (stale after 1.5 s)
    config: { channels: ['book', 'ticker', 'trades'], pingIntervalMs: 300 },
  });
  await Promise.all(BOOKS.map(([ex, s]) => h.waitFor(live(ex, s), `${ex}:${s} live`)));
});

afterEach(async () => {
  await h.close();
});

describe('okx end to end against the simulator', () => {
  it('in-band snapshots, chained seqIds incl. keepalive no-change updates, swap contract value', async () => {
    for (const [ex, s] of BOOKS) await expectBookEqualsTruth(h, ex, s);
    const snaps = h.events.filter((e): e is BookSnapshotEvent => e.type === 'book_snapshot');
    expect(snaps.find((e) => e.exchange === 'okx-swap')).toMatchObject({ market: 'BTC-USDT-SWAP', contractValue: '0.01', integrity: 'chained' });
    expect(snaps.find((e) => e.exchange === 'okx')).toMatchObject({ market: 'BTC-USDT', integrity: 'chained' });
    expect(snaps.find((e) => e.exchange === 'okx')?.contractValue).toBeUndefined();
    const keepalive = h.events.find(
      (e): e is BookDeltaEvent => e.type === 'book_delta' && e.updateId === e.prevUpdateId && e.bids.length === 0 && e.asks.length === 0,
    );
    expect(keepalive).toBeDefined();
    expect(h.sim.entries('okx').some((e) => e.kind === 'rest' && e.data?.startsWith('/api/v5/market/books'))).toBe(false);
    expect(h.statuses({ code: 'TW_ERR_STALE' })).toEqual([]);
    expect(h.events.some((e) => e.type === 'ticker' && e.exchange === 'okx' && e.bidPrice !== undefined)).toBe(true);
    expect(h.events.some((e) => e.type === 'trade' && e.exchange === 'okx-swap')).toBe(true);
  });

  it('broken prevSeqId: resubscribes that book only, then equals the true book', async () => {
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'okx-broken-prev', symbol: 'BTC/USDT' });
    await expectResyncOfBtcOnly(from, 'TW_ERR_SEQUENCE_GAP');
    const sent = h.sim.entries('okx').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"op":"unsubscribe"'));
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.every((e) => e.data?.includes('"instId":"BTC-USDT"') && !e.data.includes('ETH-USDT'))).toBe(true);
  });

  it('dropped update: gap, resync of that book only', async () => {
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'drop-diff', symbol: 'BTC/USDT' });
    await expectResyncOfBtcOnly(from, 'TW_ERR_SEQUENCE_GAP');
  });

  it('checksums sent and verified; a bad checksum resyncs that book only', async () => {
    h.sim.fault('okx', { kind: 'okx-checksums' });
    await expectBookEqualsTruth(h, 'okx', 'BTC/USDT', 10);
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'okx-bad-checksum', symbol: 'BTC/USDT' });
    await expectResyncOfBtcOnly(from, 'TW_ERR_CHECKSUM');
  });

  it('post-maintenance sequence reset (seqId < prevSeqId, prevSeqId chains) is applied without a resync', async () => {
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'okx-seq-reset', symbol: 'BTC/USDT' });
    const reset = (await h.waitFor(
      (e) => e.type === 'book_delta' && e.exchange === 'okx' && e.symbol === 'BTC/USDT' && e.updateId! < e.prevUpdateId!,
      'reset delta',
    )) as BookDeltaEvent;
    expect(reset.updateId).toBeLessThan(1000);
    const { id } = await expectBookEqualsTruth(h, 'okx', 'BTC/USDT', 60);
    expect(id).toBeLessThan(reset.updateId! + 100_000);
    expect(troubleElsewhere(h, from, [])).toEqual([]);
  });

  it('no initial snapshot after a resubscribe: REST /api/v5/market/books with seqId splicing, then equals the true book', async () => {
    h.sim.fault('okx', { kind: 'okx-no-snapshot' });
    const from = h.events.length;
    const restBefore = h.sim.entries('okx').filter((e) => e.kind === 'rest' && e.data?.startsWith('/api/v5/market/books')).length;
    h.sim.fault('okx', { kind: 'okx-broken-prev', symbol: 'BTC/USDT' });
    await expectResyncOfBtcOnly(from, 'TW_ERR_SEQUENCE_GAP');
    const rest = h.sim.entries('okx').filter((e) => e.kind === 'rest' && e.data?.startsWith('/api/v5/market/books'));
    expect(rest.length).toBeGreaterThan(restBefore);
    expect(rest.at(-1)?.data).toBe('/api/v5/market/books?instId=BTC-USDT&sz=400');
  });

  it('silence on one symbol: no_data for its streams while text ping/pong keeps the connection, then a gap resync of that book', async () => {
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'silence', symbol: 'BTC/USDT' });
    await h.waitFor(isStatus({ exchange: 'okx', symbol: 'BTC/USDT', channel: 'book', state: 'no_data' }), 'BTC book no_data');
    // the client sent the text `ping` after 300 ms without frames and the server answered `pong`
    const log = h.sim.entries('okx');
    const ping = log.find((e) => e.kind === 'ws-recv' && e.data === 'ping');
    expect(ping).toBeDefined();
    expect(log.some((e) => e.kind === 'ws-send-control' && e.data === 'pong' && e.connection === ping!.connection)).toBe(true);
    h.sim.clearFaults('okx');
    await expectResyncOfBtcOnly(from, 'TW_ERR_SEQUENCE_GAP');
    expect(h.statuses({ exchange: 'okx', scope: 'connection', state: 'reconnecting' }).length).toBe(0);
  });

  // server-shutdown: make-before-break, no reconnect of the old connection (test/e2e/make-before-break.test.ts)
  for (const fault of ['close', 'stop-all'] as const) {
    it(`${fault}: reconnects that connection and resyncs its book only`, async () => {
      const from = h.events.length;
      h.sim.fault('okx', fault === 'close' ? { kind: 'close', symbol: 'BTC/USDT', code: 1001, reason: 'going away' } : { kind: fault, symbol: 'BTC/USDT' });
      const reconnecting = await h.waitFor(isStatus({ exchange: 'okx', scope: 'connection', state: 'reconnecting' }), 'reconnecting');
      const expectedCode = { close: 'TW_ERR_SOCKET_CLOSED', 'server-shutdown': 'TW_ERR_SERVER_SHUTDOWN', 'stop-all': 'TW_ERR_STALE' }[fault];
      expect(h.statuses({ exchange: 'okx', scope: 'connection' }).slice(-3).map((s) => s.code)).toContain(expectedCode);
      if (fault === 'stop-all') h.sim.clearFaults('okx');
      await h.waitFor(
        (e: MarketEvent) => e.type === 'status' && e.scope === 'connection' && e.state === 'open' && e.connectionId === reconnecting.connectionId,
        'reopened',
      );
      expect(h.statuses({ exchange: 'okx', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }).at(-1)?.code).toBe('TW_ERR_RECONNECTED');
      await h.waitFor(live('okx', 'BTC/USDT'), 'BTC live again');
      await expectBookEqualsTruth(h, 'okx', 'BTC/USDT');
      expect(troubleElsewhere(h, from, [['okx', 'BTC/USDT']])).toEqual([]);
      await expectBookEqualsTruth(h, 'okx-swap', 'BTC/USDT', 10);
    });
  }

  it('an error reply (60018) for one subscription is a status error for that stream only', async () => {
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'okx-error', symbol: 'SOL/USDT' });
    await h.hub.add('okx', 'SOL/USDT', ['book']);
    const err = await h.waitFor(isStatus({ exchange: 'okx', symbol: 'SOL/USDT', state: 'error' }), 'SOL error');
    expect(err).toMatchObject({ scope: 'stream', code: 'TW_ERR_UNKNOWN_SYMBOL', market: 'SOL-USDT', channel: 'book' });
    expect(err.reason).toContain('60018');
    await expectBookEqualsTruth(h, 'okx', 'BTC/USDT', 20);
    await expectBookEqualsTruth(h, 'okx', 'ETH/USDT', 20);
    expect(troubleElsewhere(h, from, [['okx', 'SOL/USDT']])).toEqual([]);
    expect(h.statuses({ scope: 'connection', state: 'error' })).toEqual([]);
  });
});

describe('okx error reply to the re-subscribe after a reconnect', () => {
  it('is transient (rate limit 50011): retried with backoff until accepted; the book comes back equal to the truth', async () => {
    const from = h.events.length;
    // one firing per channel (3) per subscribe: every channel is refused twice
    h.sim.fault('okx', { kind: 'okx-error', symbol: 'BTC/USDT', code: '50011', count: 6 });
    h.sim.fault('okx', { kind: 'close', symbol: 'BTC/USDT', code: 1001, reason: 'going away' });
    const refused = isStatus({ exchange: 'okx', symbol: 'BTC/USDT', channel: 'book', state: 'error' });
    await h.waitFor(refused, 'first refusal');
    await h.waitFor(refused, 'second refusal (the first retry)');
    const errs = h.statuses({ exchange: 'okx', symbol: 'BTC/USDT', channel: 'book', state: 'error' }).filter((e) => h.events.indexOf(e) >= from);
    expect(errs.map((e) => [e.code, e.details?.permanent, e.details?.attempt])).toEqual([
      ['TW_ERR_EXCHANGE_ERROR', false, 1],
      ['TW_ERR_EXCHANGE_ERROR', false, 2],
    ]);
    await h.waitFor(live('okx', 'BTC/USDT'), 'BTC live again');
    await expectBookEqualsTruth(h, 'okx', 'BTC/USDT');
    expect(troubleElsewhere(h, from, [['okx', 'BTC/USDT']])).toEqual([]);
  });
});

describe('okx error replies that name only the request id', () => {
  beforeEach(async () => {
    h = await startHarness({ exchanges: ['okx'], markets: ['okx:BTC/USDT'], config: { channels: ['book'] } });
    await h.waitFor(live('okx', 'BTC/USDT'), 'BTC live');
  });

  it('are mapped back to the streams of that subscribe request, not to the connection', async () => {
    const from = h.events.length;
    h.sim.fault('okx', { kind: 'okx-error', symbol: 'SOL/USDT', code: '60014', count: 1 });
    await h.hub.add('okx', 'SOL/USDT', ['book']);
    const err = await h.waitFor(isStatus({ exchange: 'okx', symbol: 'SOL/USDT', state: 'error' }), 'SOL error');
    expect(err).toMatchObject({ scope: 'stream', code: 'TW_ERR_EXCHANGE_ERROR', market: 'SOL-USDT', channel: 'book' });
    expect(err.reason).toContain('60014');
    expect(h.statuses({ scope: 'connection', state: 'error' })).toEqual([]);
    expect(troubleElsewhere(h, from, [['okx', 'SOL/USDT']])).toEqual([]);
    await expectBookEqualsTruth(h, 'okx', 'BTC/USDT', 20);
  });
});

describe('okx periodic REST cross-check', () => {
  beforeEach(async () => {
    h = await startHarness({ exchanges: ['okx'], markets: ['okx:BTC/USDT'], config: { channels: ['book'], reconcileIntervalMs: 150 } });
    await h.waitFor(live('okx', 'BTC/USDT'), 'BTC live');
  });

  it('REST /api/v5/market/books snapshots reconcile with the live book; no mismatch', async () => {
    const ok = await h.waitFor(isStatus({ exchange: 'okx', symbol: 'BTC/USDT', state: 'reconciled' }), 'reconciled');
    expect(ok.code).toBe('TW_OK');
    await h.waitFor(isStatus({ exchange: 'okx', symbol: 'BTC/USDT', state: 'reconciled' }), 'reconciled again');
    expect(h.statuses({ code: 'TW_ERR_RECONCILE_MISMATCH' })).toEqual([]);
    await expectBookEqualsTruth(h, 'okx', 'BTC/USDT');
  });
});
