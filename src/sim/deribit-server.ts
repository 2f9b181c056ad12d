/**
 * Deribit API v2 protocol server for the simulator (docs/protocols/deribit.md): JSON-RPC 2.0 on `/ws/api/v2` with
 * `public/subscribe` / `public/unsubscribe` of `book.{instrument}.{interval}` (the whole book in-band as the first
 * notification, then changes chained by `change_id` / `prev_change_id`), `ticker.…` (with mark, index, open interest
 * and, on perpetuals, funding from ./derivatives.ts) and `trades.…` (now and then one marked `liquidation`);
 * `public/set_heartbeat` then `heartbeat` `test_request`s that the client must answer with `public/test` before the
 * next one, or the connection is closed, as Deribit does; REST `/api/v2/public/get_instruments`.
 *
 * Symbols: given in Deribit's unified form (`BTC/USD:BTC`, `BTC/USD:BTC-241227`, `ETH/USD:ETH-241227-3000-C`) they are
 * served as those instruments; a plain `BASE/QUOTE` is served as the spot pair `BASE_QUOTE`.
 * Wire ids: `change_id` is the market's change id of the last change in the notification.
 *
 * Faults (besides the generic ones): `deribit-broken-prev` {symbol} — the next change's `prev_change_id` is off by
 * one; `deribit-error` {symbol, code?, count?} — subscriptions of that symbol are answered with a JSON-RPC error
 * (10028 too_many_requests by default) instead of the channel list; `deribit-no-heartbeat-close` — while active,
 * unanswered test_requests do not close the connection. An unknown instrument's channel is left out of the
 * subscribe result (`[]`), as Deribit does. Deribit sends no maintenance notice on the public feed:
 * `server-shutdown` closes the socket (1001).
 */
import type { ExchangeId, Level } from '../schema/events.js';
import { faultNumber, faultSymbol } from './faults.js';
import { SimMarket } from './market.js';
import {
  bookData,
  bookEntries,
  deribitInstrumentFor,
  errorFrame,
  heartbeatFrame,
  instrumentJson,
  jsonWithNumbers,
  notification,
  PERPETUAL_EXPIRY,
  replyFrame,
  type DeribitSimInstrument,
} from './deribit-render.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import { DEFAULT_FUNDING_PERIOD_MS, SimDerivatives } from './derivatives.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';

export interface DeribitSimOptions {
  seed?: number;
  symbols: readonly SimSymbolSpec[];
  bookIntervalMs?: number;
  tickerIntervalMs?: number;
  tradeIntervalMs?: number;
  /** Period of test_requests (ms); default: the interval the client asked for with public/set_heartbeat. */
  heartbeatMs?: number;
  levels?: number;
  historySize?: number;
  /** Period of the simulated funding rate (ms; Deribit's funding is continuous, its rate an 8-hour one). Default 8 h. */
  fundingPeriodMs?: number;
}

interface SymState {
  spec: SimSymbolSpec;
  inst: DeribitSimInstrument;
  /** change_id of the last notification (sent or not): the next one's prev_change_id. */
  lastChange: number;
  tradeSeq: number;
}

const ONE_SHOT_FAULTS = new Set(['deribit-broken-prev', 'deribit-error']);
const INTERVALS = new Set(['100ms', 'agg2']); // `raw` needs an authorized connection

/** Factory for the simulator's protocol table. */
export function deribitProtocol(o: {
  seed: number;
  symbols: SimSymbolSpec[];
  levels?: number | undefined;
  intervalMs?: number | undefined;
  pingIntervalMs?: number | undefined;
  tradeIntervalMs?: number | undefined;
  tickerIntervalMs?: number | undefined;
  historySize?: number | undefined;
  fundingPeriodMs?: number | undefined;
}): SimProtocol {
  // sizes of perpetuals and inverse futures are whole USD (docs/protocols/deribit.md#units)
  const symbols = o.symbols.map((s) => {
    const inst = deribitInstrumentFor(s.symbol);
    return inst.kind === 'future' && inst.settle === inst.base ? { ...s, lotDecimals: 0 } : s;
  });
  const opts: DeribitSimOptions = { seed: o.seed, symbols };
  if (o.levels !== undefined) opts.levels = o.levels;
  if (o.intervalMs !== undefined) opts.bookIntervalMs = o.intervalMs;
  if (o.pingIntervalMs !== undefined) opts.heartbeatMs = o.pingIntervalMs;
  if (o.tradeIntervalMs !== undefined) opts.tradeIntervalMs = o.tradeIntervalMs;
  if (o.tickerIntervalMs !== undefined) opts.tickerIntervalMs = o.tickerIntervalMs;
  if (o.historySize !== undefined) opts.historySize = o.historySize;
  if (o.fundingPeriodMs !== undefined) opts.fundingPeriodMs = o.fundingPeriodMs;
  return createDeribitProtocol(opts);
}

export function createDeribitProtocol(opts: DeribitSimOptions): SimProtocol & { readonly market: SimMarket } {
  const exchange: ExchangeId = 'deribit';
  const market = new SimMarket({ seed: opts.seed ?? 1, symbols: opts.symbols, levels: opts.levels ?? 1000, ...(opts.historySize !== undefined ? { historySize: opts.historySize } : {}) });
  const syms = new Map<string, SymState>(); // by the market's symbol and by the unified alias
  const byName = new Map<string, SymState>();
  for (const spec of opts.symbols) {
    const st: SymState = { spec, inst: deribitInstrumentFor(spec.symbol), lastChange: market.lastId(spec.symbol), tradeSeq: 0 };
    syms.set(spec.symbol, st);
    syms.set(st.inst.unified, st);
    byName.set(st.inst.name, st);
  }
  const states = [...byName.values()];
  const derivs = new SimDerivatives(opts.seed ?? 1, opts.symbols, opts.fundingPeriodMs ?? DEFAULT_FUNDING_PERIOD_MS);
  let server: SimServer | undefined;
  const srv = (): SimServer => {
    if (!server) throw new Error('sim deribit: not started');
    return server;
  };
  const hit = (kind: string, symbol: string): SimFault | undefined => srv().faults.take(kind, (f) => faultSymbol(f) === symbol);

  const bookTick = (st: SymState): void => {
    const s = srv();
    const symbol = st.spec.symbol;
    const channel = `book.${st.inst.name}.100ms`;
    const before = s.hasSubscribers(channel) ? market.book(symbol) : undefined;
    const diff = market.step(symbol);
    const prev = st.lastChange;
    st.lastChange = diff.lastId;
    if (before === undefined) return; // nobody subscribed: nothing goes out, no fault is taken
    const fault = s.takeDiffFault(channel, symbol);
    if (fault === 'drop') return;
    if (fault === 'garbage') {
      s.publish(channel, symbol, () => `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"${channel}","data":{"type":"change","bids":[["new",`);
      return;
    }
    const had = (side: readonly Level[]): Set<string> => new Set(side.map((l) => l[0]));
    const bidsBefore = had(before.bids);
    const asksBefore = had(before.asks);
    const broken = s.takeFrameFault('deribit-broken-prev', channel, symbol) !== undefined;
    const frame = notification(
      channel,
      bookData({
        name: st.inst.name,
        type: 'change',
        timestamp: diff.time,
        changeId: diff.lastId,
        prevChangeId: broken ? prev - 1 : prev,
        bids: bookEntries(diff.bids, (p) => !bidsBefore.has(p)),
        asks: bookEntries(diff.asks, (p) => !asksBefore.has(p)),
      }),
    );
    if (s.takeGarbageFrame(channel, symbol)) s.publish(channel, symbol, () => 'not json {');
    s.publish(channel, symbol, () => frame);
  };

  const snapshotFrame = (st: SymState): string => {
    const b = market.book(st.spec.symbol);
    const all = (): boolean => true;
    return notification(
      `book.${st.inst.name}.100ms`,
      bookData({ name: st.inst.name, type: 'snapshot', timestamp: Date.now(), changeId: b.updateId, bids: bookEntries(b.bids, all), asks: bookEntries(b.asks, all) }),
    );
  };

  const tickerTick = (st: SymState): void => {
    const channel = `ticker.${st.inst.name}.100ms`;
    if (!srv().hasSubscribers(channel)) return;
    const symbol = st.spec.symbol;
    const best = market.best(symbol);
    const stats = market.stats(symbol);
    const now = Date.now();
    // mark, index, open interest (in the instrument's amount unit); funding on perpetuals only (docs/protocols/deribit.md)
    const d = derivs.next(symbol, best.bid, best.ask, stats.last, now);
    const perpetual = st.inst.kind === 'future' && st.inst.expiry === PERPETUAL_EXPIRY;
    // funding_8h gets another value than the rate (the next period's), so that a client cannot confuse the two
    const funding = perpetual ? `"funding_8h":${d.predictedFundingRate},"current_funding":${d.fundingRate},` : '';
    const data =
      `{"timestamp":${now},"stats":{"volume":${stats.volume},"price_change":0,"low":${stats.low},"high":${stats.high}},` +
      `"state":"open","open_interest":${d.openInterest},"mark_price":${d.markPrice},"last_price":${stats.last},` +
      `"instrument_name":"${st.inst.name}","index_price":${d.indexPrice},${funding}` +
      `"best_bid_price":${best.bid?.[0] ?? 'null'},"best_bid_amount":${best.bid?.[1] ?? '0'},` +
      `"best_ask_price":${best.ask?.[0] ?? 'null'},"best_ask_amount":${best.ask?.[1] ?? '0'}}`;
    srv().publish(channel, symbol, () => notification(channel, data));
    derivs.record(d);
  };

  const tradeTick = (st: SymState): void => {
    const channel = `trades.${st.inst.name}.100ms`;
    const t = market.trade(st.spec.symbol);
    st.tradeSeq++;
    if (!srv().hasSubscribers(channel)) return;
    // now and then a trade caused by a liquidation (Deribit's only public liquidation data)
    const liq = derivs.liquidatedTrade(st.spec.symbol, t);
    const data =
      `[{"trade_seq":${st.tradeSeq},"trade_id":"${t.id}","timestamp":${t.time},"tick_direction":0,"price":${t.price},` +
      `"mark_price":${t.price},"instrument_name":"${st.inst.name}","index_price":${t.price},"direction":"${t.side}","amount":${t.size}` +
      `${liq === undefined ? '' : `,"liquidation":"${liq}"`}}]`;
    srv().publish(channel, st.spec.symbol, () => notification(channel, data));
  };

  /** Heartbeats: a test_request every period; one still unanswered at the next closes the connection. */
  let hbTimer: NodeJS.Timeout | undefined;
  const heartbeatCheck = (): void => {
    const s = srv();
    const now = Date.now();
    for (const conn of s.connections) {
      const period = conn.state.hbPeriodMs;
      if (!conn.open || typeof period !== 'number' || now < (conn.state.hbDue as number)) continue;
      conn.state.hbDue = now + period;
      if (conn.state.testPending === true && s.faults.find('deribit-no-heartbeat-close') === undefined) {
        conn.close(1000, 'heartbeat: no public/test in answer to test_request');
        continue;
      }
      if (conn.sendControl(heartbeatFrame('test_request'))) conn.state.testPending = true;
    }
  };

  const onRequest = (conn: SimConnection, text: string): void => {
    let req: { id?: unknown; method?: unknown; params?: { channels?: unknown; interval?: unknown } };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      conn.sendControl(errorFrame(null, -32700, 'Parse error'));
      return;
    }
    const { id, method } = req;
    if (method === 'public/test') {
      conn.state.testPending = false;
      conn.sendControl(replyFrame(id, '{"version":"1.2.26"}'));
      return;
    }
    if (method === 'public/set_heartbeat') {
      const interval = Number(req.params?.interval);
      if (!Number.isFinite(interval) || interval < 10) {
        conn.sendControl(errorFrame(id, -32602, 'Invalid params'));
        return;
      }
      conn.state.hbPeriodMs = opts.heartbeatMs ?? interval * 1000;
      conn.state.hbDue = Date.now() + (conn.state.hbPeriodMs as number);
      conn.sendControl(replyFrame(id, '"ok"'));
      return;
    }
    if (method !== 'public/subscribe' && method !== 'public/unsubscribe') {
      conn.sendControl(errorFrame(id, -32601, 'Method not found'));
      return;
    }
    const channels = req.params?.channels;
    if (!Array.isArray(channels)) {
      conn.sendControl(errorFrame(id, -32602, 'Invalid params'));
      return;
    }
    const done: string[] = [];
    const snapshots: Array<[string, SymState]> = [];
    for (const ch of channels) {
      const m = typeof ch === 'string' ? /^(book|ticker|trades)\.(.+)\.([a-z0-9]+)$/.exec(ch) : null;
      const st = m === null ? undefined : byName.get(m[2]!);
      if (m === null || st === undefined || !INTERVALS.has(m[3]!)) continue; // left out of the result, as Deribit does
      if (method === 'public/unsubscribe') {
        if (conn.topics.has(ch as string)) done.push(ch as string);
        srv().unsubscribe(conn, ch as string);
        continue;
      }
      const err = hit('deribit-error', st.spec.symbol);
      if (err !== undefined) {
        const code = faultNumber(err, 'code') ?? 10028;
        conn.sendControl(errorFrame(id, code, code === 10028 ? 'too_many_requests' : 'temporarily_unavailable'));
        return;
      }
      srv().subscribe(conn, ch as string);
      done.push(ch as string);
      if (m[1] === 'book') snapshots.push([ch as string, st]);
    }
    conn.sendControl(replyFrame(id, JSON.stringify(done)));
    for (const [, st] of snapshots) conn.sendData(snapshotFrame(st), st.spec.symbol);
  };

  return {
    exchange,
    market,
    pingIntervalMs: 0, // Deribit keeps connections alive with JSON-RPC heartbeats, not WebSocket pings
    maxIncomingPerSec: 0,
    start(s: SimServer): void {
      server = s;
      s.every(opts.bookIntervalMs ?? 100, () => states.forEach(bookTick));
      s.every(opts.tickerIntervalMs ?? 100, () => states.forEach(tickerTick));
      s.every(opts.tradeIntervalMs ?? 250, () => states.forEach(tradeTick));
      hbTimer = setInterval(heartbeatCheck, 25);
      hbTimer.unref();
    },
    acceptUpgrade: (url) => url.pathname === '/ws/api/v2',
    onOpen(): void {},
    onMessage: onRequest,
    handleRest(req: RestRequest): RestResponse {
      if (req.path === '/api/v2/public/get_instruments') {
        const currency = (req.query.get('currency') ?? '').toUpperCase();
        if (currency === '') return { status: 400, body: errorFrame(null, -32602, 'Invalid params') };
        const list = states
          .filter((st) => currency === 'ANY' || st.inst.settle === currency || st.inst.base === currency)
          .map((st) => instrumentJson(st.inst, st.spec.tickDecimals, st.spec.lotDecimals));
        return { status: 200, body: replyFrame(null, jsonWithNumbers(list)), headers: { 'content-type': 'application/json' } };
      }
      return { status: 404, body: errorFrame(null, -32601, 'Method not found') };
    },
    restFaultResponse(fault: SimFault): RestResponse {
      if (fault.kind === 'rest-500') return { status: 500, body: errorFrame(null, 11094, 'internal_server_error') };
      return { status: 429, body: errorFrame(null, 10028, 'too_many_requests') };
    },
    applyFault(fault: SimFault): boolean {
      if (!ONE_SHOT_FAULTS.has(fault.kind) || (fault as { count?: unknown }).count !== undefined) return false;
      srv().faults.add({ ...fault, count: 1 });
      return true;
    },
    published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
      const st = syms.get(symbol);
      return st === undefined ? { derivatives: [], liquidations: [] } : derivs.published(st.spec.symbol);
    },
    topicSymbol(t: string): string | undefined {
      const m = /^[a-z]+\.(.+)\.[a-z0-9]+$/.exec(t);
      return m === null ? undefined : byName.get(m[1]!)?.spec.symbol;
    },
    shutdownNotice(conn: SimConnection): void {
      conn.close(1001, 'sim: Deribit maintenance (no notice on the public feed)');
    },
    trueBook(symbol: string): SimBook | undefined {
      const st = syms.get(symbol);
      return st === undefined ? undefined : market.book(st.spec.symbol);
    },
    trueBookAt(symbol: string, updateId: number): SimBook | undefined {
      const st = syms.get(symbol);
      return st === undefined ? undefined : market.bookAt(st.spec.symbol, updateId);
    },
    async burst(b: BurstOptions): Promise<BurstResult> {
      const list = (b.symbols ?? states.map((st) => st.spec.symbol)).map((x) => syms.get(x)).filter((x): x is SymState => x !== undefined);
      return srv().burstRoundRobin(list.map((st) => st.spec.symbol), list.length === 0 ? 0 : b.diffs, (symbol) => bookTick(syms.get(symbol)!));
    },
  };
}
