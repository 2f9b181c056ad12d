/**
 * The simulator's HTTP control endpoints, served by every exchange server on its own port next to the exchange's
 * REST paths (they are never subject to REST faults):
 *
 * - `POST /_sim/fault`  body: one fault as JSON (docs/simulator.md) → 200 `{ok:true, fault}`; 400 `{error}` when bad
 * - `POST /_sim/clear`  clears every active fault of this exchange → 200 `{ok:true, cleared:N}`
 * - `GET  /_sim/faults` the active faults → 200 `{faults:[…]}`
 * - `POST /_sim/pause`, `POST /_sim/resume` stop / restart this exchange's market (no book, trade or ticker data
 *   while paused; pings, heartbeats and REST go on): a consumer's book can then be compared with the still truth
 *   → 200 `{ok:true, paused}`
 * - `GET  /_sim/book?symbol=BTC/USDT[&depth=N][&updateId=U]` the true book `{symbol, updateId, bids, asks}` at the
 *   last event sent (or at update id U while in history), best first, in the exchange's own ids and decimals
 */
import type { ExchangeId } from '../schema/events.js';
import { parseFault } from './fault-kinds.js';
import type { SimBook, SimFault } from './types.js';

export const CONTROL_PREFIX = '/_sim/';

export interface ControlTarget {
  readonly exchange: ExchangeId;
  readonly symbols: readonly string[];
  fault(fault: SimFault): void;
  clearFaults(): number;
  activeFaults(): SimFault[];
  trueBook(symbol: string): SimBook | undefined;
  trueBookAt(symbol: string, updateId: number): SimBook | undefined;
  pause(): void;
  resume(): void;
}

export interface ControlRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

export interface ControlResponse {
  status: number;
  body: object;
}

const MAX_BODY = 16 * 1024;
export const CONTROL_MAX_BODY = MAX_BODY;

function bad(status: number, error: string): ControlResponse {
  return { status, body: { error } };
}

export function handleControl(t: ControlTarget, req: ControlRequest): ControlResponse {
  const route = req.path.slice(CONTROL_PREFIX.length);
  const expect = (method: string): ControlResponse | undefined =>
    req.method === method ? undefined : bad(405, `${req.method} ${req.path}: use ${method}`);
  switch (route) {
    case 'fault': {
      const m = expect('POST');
      if (m) return m;
      let json: unknown;
      try {
        json = JSON.parse(req.body);
      } catch {
        return bad(400, 'the body is not valid JSON; send one fault, e.g. {"kind":"garbage-diff","symbol":"BTC/USDT"}');
      }
      const parsed = parseFault(t.exchange, json, t.symbols);
      if ('error' in parsed) return bad(400, parsed.error);
      t.fault(parsed.fault);
      return { status: 200, body: { ok: true, exchange: t.exchange, fault: parsed.fault } };
    }
    case 'clear': {
      const m = expect('POST');
      if (m) return m;
      return { status: 200, body: { ok: true, exchange: t.exchange, cleared: t.clearFaults() } };
    }
    case 'faults': {
      const m = expect('GET');
      if (m) return m;
      return { status: 200, body: { exchange: t.exchange, faults: t.activeFaults() } };
    }
    case 'pause':
    case 'resume': {
      const m = expect('POST');
      if (m) return m;
      if (route === 'pause') t.pause();
      else t.resume();
      return { status: 200, body: { ok: true, exchange: t.exchange, paused: route === 'pause' } };
    }
    case 'book': {
      const m = expect('GET');
      if (m) return m;
      return bookResponse(t, req.query);
    }
    default:
      return bad(404, `unknown control path ${req.path}; known: /_sim/fault, /_sim/clear, /_sim/faults, /_sim/pause, /_sim/resume, /_sim/book`);
  }
}

function intParam(q: URLSearchParams, name: string): number | undefined | { error: string } {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) return { error: `${name} must be a non-negative integer, got ${JSON.stringify(v)}` };
  return Number(v);
}

function bookResponse(t: ControlTarget, q: URLSearchParams): ControlResponse {
  const symbol = q.get('symbol');
  if (symbol === null || !t.symbols.includes(symbol)) {
    return bad(400, `symbol=${JSON.stringify(symbol)} is not served; the simulator serves ${t.symbols.join(', ')}`);
  }
  const depth = intParam(q, 'depth');
  const at = intParam(q, 'updateId');
  if (typeof depth === 'object') return bad(400, depth.error);
  if (typeof at === 'object') return bad(400, at.error);
  const book = at === undefined ? t.trueBook(symbol) : t.trueBookAt(symbol, at);
  if (!book) return bad(404, at === undefined ? `no book yet for ${symbol}` : `update id ${at} of ${symbol} is not in the kept history`);
  const cut = depth === undefined ? Infinity : depth;
  return { status: 200, body: { symbol, updateId: book.updateId, bids: book.bids.slice(0, cut), asks: book.asks.slice(0, cut) } };
}
