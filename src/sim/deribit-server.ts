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
import { AnsweredHeartbeats } from './answered-heartbeats.js';
import { faultNumber, faultSymbol } from './faults.js';
import { RPC_ERRORS, rpcRequest } from './json-rpc.js';
import { MarketProtocol } from './market-protocol.js';
import {
  bookData,
  bookEntries,
  deribitInstrumentFor,
  instrumentJson,
  jsonWithNumbers,
  notification,
  PERPETUAL_EXPIRY,
  rpc,
  type DeribitSimInstrument,
} from './deribit-render.js';
import type { RestRequest, RestResponse, SimConnection, SimProtocol, SimProtocolOptions } from './server.js';
import type { SimSymbolSpec } from './types.js';

interface SymState {
  spec: SimSymbolSpec;
  inst: DeribitSimInstrument;
  /** change_id of the last notification (sent or not): the next one's prev_change_id. */
  lastChange: number;
  tradeSeq: number;
}

const INTERVALS = new Set(['100ms', 'agg2']); // `raw` needs an authorized connection

/**
 * Factory for the simulator's protocol table. `intervalMs` is the book cadence (default 100 ms); `pingIntervalMs` the
 * period of test_requests (default: the interval the client asked for with public/set_heartbeat); `fundingPeriodMs`
 * that of the simulated funding rate (Deribit's funding is continuous, its rate an 8-hour one; default 8 h).
 */
export function deribitProtocol(o: SimProtocolOptions): SimProtocol {
  // sizes of perpetuals and inverse futures are whole USD (docs/protocols/deribit.md#units)
  const symbols = o.symbols.map((s) => {
    const inst = deribitInstrumentFor(s.symbol);
    return inst.kind === 'future' && inst.settle === inst.base ? { ...s, lotDecimals: 0 } : s;
  });
  return new DeribitProtocol({ ...o, symbols });
}

class DeribitProtocol extends MarketProtocol {
  readonly exchange: ExchangeId = 'deribit';
  /** By the market's symbol and by the unified alias. */
  private readonly syms = new Map<string, SymState>();
  private readonly byName = new Map<string, SymState>();
  /** A test_request every period; one still unanswered at the next closes the connection. */
  private readonly heartbeats = new AnsweredHeartbeats(rpc.notification('heartbeat', '{"type":"test_request"}'), 'heartbeat: no public/test in answer to test_request', () =>
    this.server.faults.find('deribit-no-heartbeat-close') !== undefined,
  );

  constructor(opts: SimProtocolOptions) {
    super(opts, {
      stepMs: opts.intervalMs ?? 100,
      tradeMs: 250,
      tickerMs: 100,
      oneShot: ['deribit-broken-prev', 'deribit-error'],
      restErrors: { 500: rpc.error(null, 11094, 'internal_server_error'), 429: rpc.error(null, 10028, 'too_many_requests') },
      derivatives: true,
    });
    for (const spec of opts.symbols) {
      const st: SymState = { spec, inst: deribitInstrumentFor(spec.symbol), lastChange: this.market.lastId(spec.symbol), tradeSeq: 0 };
      this.syms.set(spec.symbol, st);
      this.syms.set(st.inst.unified, st);
      this.byName.set(st.inst.name, st);
    }
  }

  override start(server: Parameters<MarketProtocol['start']>[0]): void {
    super.start(server);
    this.heartbeats.start(server);
  }

  protected override resolve(symbol: string): string | undefined {
    return this.syms.get(symbol)?.spec.symbol;
  }

  protected step(symbol: string): void {
    const st = this.syms.get(symbol)!;
    const s = this.server;
    const channel = `book.${st.inst.name}.100ms`;
    const before = s.hasSubscribers(channel) ? this.market.book(symbol) : undefined;
    const diff = this.market.step(symbol);
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
  }

  private snapshotFrame(st: SymState): string {
    const b = this.market.book(st.spec.symbol);
    const all = (): boolean => true;
    return notification(
      `book.${st.inst.name}.100ms`,
      bookData({ name: st.inst.name, type: 'snapshot', timestamp: Date.now(), changeId: b.updateId, bids: bookEntries(b.bids, all), asks: bookEntries(b.asks, all) }),
    );
  }

  protected ticker(symbol: string): void {
    const st = this.syms.get(symbol)!;
    const channel = `ticker.${st.inst.name}.100ms`;
    this.publishTo(channel, symbol, () => {
      const best = this.market.best(symbol);
      const stats = this.market.stats(symbol);
      const now = Date.now();
      // mark, index, open interest (in the instrument's amount unit); funding on perpetuals only (docs/protocols/deribit.md)
      const d = this.derivs!.next(symbol, best.bid, best.ask, stats.last, now);
      this.derivs!.record(d);
      const perpetual = st.inst.kind === 'future' && st.inst.expiry === PERPETUAL_EXPIRY;
      // funding_8h gets another value than the rate (the next period's), so that a client cannot confuse the two
      const funding = perpetual ? `"funding_8h":${d.predictedFundingRate},"current_funding":${d.fundingRate},` : '';
      const data =
        `{"timestamp":${now},"stats":{"volume":${stats.volume},"price_change":0,"low":${stats.low},"high":${stats.high}},` +
        `"state":"open","open_interest":${d.openInterest},"mark_price":${d.markPrice},"last_price":${stats.last},` +
        `"instrument_name":"${st.inst.name}","index_price":${d.indexPrice},${funding}` +
        `"best_bid_price":${best.bid?.[0] ?? 'null'},"best_bid_amount":${best.bid?.[1] ?? '0'},` +
        `"best_ask_price":${best.ask?.[0] ?? 'null'},"best_ask_amount":${best.ask?.[1] ?? '0'}}`;
      return notification(channel, data);
    });
  }

  protected trade(symbol: string): void {
    const st = this.syms.get(symbol)!;
    const channel = `trades.${st.inst.name}.100ms`;
    const t = this.market.trade(symbol);
    st.tradeSeq++;
    this.publishTo(channel, symbol, () => {
      // now and then a trade caused by a liquidation (Deribit's only public liquidation data)
      const liq = this.derivs!.liquidatedTrade(symbol, t);
      const data =
        `[{"trade_seq":${st.tradeSeq},"trade_id":"${t.id}","timestamp":${t.time},"tick_direction":0,"price":${t.price},` +
        `"mark_price":${t.price},"instrument_name":"${st.inst.name}","index_price":${t.price},"direction":"${t.side}","amount":${t.size}` +
        `${liq === undefined ? '' : `,"liquidation":"${liq}"`}}]`;
      return notification(channel, data);
    });
  }

  onMessage(conn: SimConnection, text: string): void {
    const req = rpcRequest(text);
    if (req === undefined) {
      conn.sendControl(rpc.error(null, ...RPC_ERRORS.parse));
      return;
    }
    const { id, method } = req;
    if (method === 'public/test') {
      this.heartbeats.answered(conn);
      conn.sendControl(rpc.result(id, '{"version":"1.2.26"}'));
      return;
    }
    if (method === 'public/set_heartbeat') {
      const interval = Number(req.params?.interval);
      if (!Number.isFinite(interval) || interval < 10) {
        conn.sendControl(rpc.error(id, ...RPC_ERRORS.params));
        return;
      }
      this.heartbeats.enable(conn, this.opts.pingIntervalMs ?? interval * 1000);
      conn.sendControl(rpc.result(id, '"ok"'));
      return;
    }
    if (method !== 'public/subscribe' && method !== 'public/unsubscribe') {
      conn.sendControl(rpc.error(id, ...RPC_ERRORS.method));
      return;
    }
    const channels = req.params?.channels;
    if (!Array.isArray(channels)) {
      conn.sendControl(rpc.error(id, ...RPC_ERRORS.params));
      return;
    }
    const done: string[] = [];
    const snapshots: SymState[] = [];
    for (const ch of channels) {
      const m = typeof ch === 'string' ? /^(book|ticker|trades)\.(.+)\.([a-z0-9]+)$/.exec(ch) : null;
      const st = m === null ? undefined : this.byName.get(m[2]!);
      if (m === null || st === undefined || !INTERVALS.has(m[3]!)) continue; // left out of the result, as Deribit does
      if (method === 'public/unsubscribe') {
        if (conn.topics.has(ch as string)) done.push(ch as string);
        this.server.unsubscribe(conn, ch as string);
        continue;
      }
      const err = this.server.faults.take('deribit-error', (f) => faultSymbol(f) === st.spec.symbol);
      if (err !== undefined) {
        const code = faultNumber(err, 'code') ?? 10028;
        conn.sendControl(rpc.error(id, code, code === 10028 ? 'too_many_requests' : 'temporarily_unavailable'));
        return;
      }
      this.server.subscribe(conn, ch as string);
      done.push(ch as string);
      if (m[1] === 'book') snapshots.push(st);
    }
    conn.sendControl(rpc.result(id, JSON.stringify(done)));
    for (const st of snapshots) conn.sendData(this.snapshotFrame(st), st.spec.symbol);
  }

  acceptUpgrade(url: URL): boolean {
    return url.pathname === '/ws/api/v2';
  }

  handleRest(req: RestRequest): RestResponse {
    if (req.path !== '/api/v2/public/get_instruments') return { status: 404, body: rpc.error(null, ...RPC_ERRORS.method) };
    const currency = (req.query.get('currency') ?? '').toUpperCase();
    if (currency === '') return { status: 400, body: rpc.error(null, ...RPC_ERRORS.params) };
    const list = [...this.byName.values()]
      .filter((st) => currency === 'ANY' || st.inst.settle === currency || st.inst.base === currency)
      .map((st) => instrumentJson(st.inst, st.spec.tickDecimals, st.spec.lotDecimals));
    return { status: 200, body: rpc.result(null, jsonWithNumbers(list)), headers: { 'content-type': 'application/json' } };
  }

  topicSymbol(t: string): string | undefined {
    const m = /^[a-z]+\.(.+)\.[a-z0-9]+$/.exec(t);
    return m === null ? undefined : this.byName.get(m[1]!)?.spec.symbol;
  }

  shutdownNotice(conn: SimConnection): void {
    conn.close(1001, 'sim: Deribit maintenance (no notice on the public feed)');
  }
}
