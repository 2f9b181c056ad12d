/**
 * The REST replies of the OKX simulator (docs/protocols/okx.md): `/api/v5/public/instruments?instType=` and
 * `/api/v5/market/books?instId=&sz=` (at most 400 levels, OKX's default `sz` of 1), and the replies of the REST faults.
 */
import type { Level } from '../schema/events.js';
import type { SimMarket } from './market.js';
import { toWire, type SymState } from './okx-ids.js';
import type { RestRequest, RestResponse } from './server.js';
import type { SimFault } from './types.js';

/** What the REST replies read: the instruments served (by unified symbol and by `instId`) and their market. */
export interface OkxRestContext {
  instType: 'SPOT' | 'SWAP';
  /** Contract value of every swap (`ctVal`). */
  ctVal: string;
  syms: ReadonlyMap<string, SymState>;
  byInst: ReadonlyMap<string, SymState>;
  market: SimMarket;
}

function decimalsStep(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}

export function okxRest(req: RestRequest, ctx: OkxRestContext): RestResponse {
  const { instType, ctVal, syms, byInst, market } = ctx;
  const swap = instType === 'SWAP';
  if (req.path === '/api/v5/public/instruments') {
    const want = req.query.get('instType');
    if (want !== 'SPOT' && want !== 'SWAP' && want !== 'FUTURES' && want !== 'OPTION' && want !== 'MARGIN') {
      return { status: 400, body: { code: '51000', msg: 'Parameter instType error', data: [] } };
    }
    const data = want !== instType ? [] : [...syms.values()].map((st) => {
      const [base = '', quote = ''] = st.spec.symbol.split('/');
      const common = { instType, instId: st.instId, tickSz: decimalsStep(st.spec.tickDecimals), lotSz: decimalsStep(st.spec.lotDecimals), minSz: decimalsStep(st.spec.lotDecimals), state: 'live' };
      return swap
        ? { ...common, uly: `${base}-${quote}`, instFamily: `${base}-${quote}`, baseCcy: '', quoteCcy: '', settleCcy: quote, ctVal, ctMult: '1', ctValCcy: base, ctType: 'linear' }
        : { ...common, uly: '', instFamily: '', baseCcy: base, quoteCcy: quote, settleCcy: '', ctVal: '', ctMult: '', ctValCcy: '', ctType: '' };
    });
    return { status: 200, body: { code: '0', msg: '', data } };
  }
  if (req.path === '/api/v5/market/books') {
    const st = byInst.get(req.query.get('instId') ?? '');
    if (st === undefined) return { status: 200, body: { code: '51001', msg: 'Instrument ID does not exist', data: [] } };
    const sz = Math.min(400, Math.max(1, Number(req.query.get('sz') ?? '1') || 1)); // OKX default sz is 1
    const b = market.book(st.spec.symbol, sz);
    const lv = (l: readonly Level[]): string[][] => l.map(([p, q]) => [p, q, '0', '1']);
    return {
      status: 200,
      body: { code: '0', msg: '', data: [{ asks: lv(b.asks), bids: lv(b.bids), ts: String(Date.now()), seqId: toWire(st, b.updateId) }] },
    };
  }
  return { status: 404, body: { code: '404', msg: 'Not Found', data: [] } };
}

export function okxRestFault(fault: SimFault): RestResponse {
  if (fault.kind === 'rest-500') return { status: 500, body: { code: '50001', msg: 'Service temporarily unavailable, please try again later.', data: [] } };
  return { status: 429, body: { code: '50011', msg: 'Too Many Requests', data: [] } };
}
