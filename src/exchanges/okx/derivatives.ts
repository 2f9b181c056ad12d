/**
 * OKX v5 derivative channels of `okx-swap` (docs/protocols/okx.md#derivative-and-liquidations), pure:
 *
 * - tickwire `derivative` = four OKX channels per swap: `mark-price` (markPx), `index-tickers` (idxPx; subscribed by
 *   the *index* id, the swap's underlying `BTC-USDT` for `BTC-USDT-SWAP`, and mapped back), `funding-rate`
 *   (fundingRate; `fundingTime` is the settlement of the running period = tickwire's nextFundingTime) and
 *   `open-interest` (oi in contracts, oiUsd as the value in USD).
 * - tickwire `liquidations` = `liquidation-orders` with `instType: SWAP`: one subscription carries every swap's
 *   liquidations; the runtime keeps those of subscribed markets. It is never unsubscribed (another market on the
 *   connection may still want it), so an unsubscribed market's liquidations keep arriving and are dropped.
 */
import type { Channel } from '../../schema/events.js';
import type { DerivativeFields, StreamRef, WireMessage } from '../types.js';
import { OkxFundingRateData, OkxIndexTickerData, OkxLiquidationData, OkxMarkPriceData, OkxOpenInterestData } from './wire.js';
import { msTextToMicros as micros } from '../wire-read.js';

/** tickwire channel of each OKX derivative channel (for error replies). */
export const DERIVATIVE_CHANNEL_OF: Readonly<Record<string, Channel>> = {
  'mark-price': 'derivative',
  'index-tickers': 'derivative',
  'funding-rate': 'derivative',
  'open-interest': 'derivative',
  'liquidation-orders': 'liquidations',
};

const SWAP_SUFFIX = '-SWAP';

/** The index (= underlying) of a swap: `BTC-USDT-SWAP` → `BTC-USDT` (docs/protocols/okx.md#derivative-and-liquidations). */
export function indexOfSwap(market: string): string {
  return market.endsWith(SWAP_SUFFIX) ? market.slice(0, -SWAP_SUFFIX.length) : market;
}

/** The swap market an `index-tickers` push belongs to: `BTC-USDT` → `BTC-USDT-SWAP`. */
export function swapOfIndex(index: string): string {
  return `${index}${SWAP_SUFFIX}`;
}

const arg = (channel: string, instId: string): string => `{"channel":"${channel}","instId":${JSON.stringify(instId)}}`;

/** The OKX subscribe args (JSON objects) of a derivative stream; `undefined` for the other channels. */
export function derivativeArgs(op: 'subscribe' | 'unsubscribe', s: StreamRef): string[] | undefined {
  if (s.channel === 'derivative') {
    return [arg('mark-price', s.market), arg('index-tickers', indexOfSwap(s.market)), arg('funding-rate', s.market), arg('open-interest', s.market)];
  }
  if (s.channel === 'liquidations') return op === 'subscribe' ? ['{"channel":"liquidation-orders","instType":"SWAP"}'] : [];
  return undefined;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** `""` → absent; a value that is not a plain decimal → null (malformed). */
function dec(v: string | undefined): string | undefined | null {
  if (v === undefined || v === '') return undefined;
  return DECIMAL.test(v) ? v : null;
}


function derivative(market: string, ts: string | undefined, fields: DerivativeFields): WireMessage {
  const msg: WireMessage = { kind: 'derivative', market, fields };
  const t = micros(ts);
  if (t !== undefined) msg.exchangeTime = t;
  return msg;
}

/** Set `key` from a wire decimal; false when the value is not a decimal. */
function put(fields: DerivativeFields, key: 'markPrice' | 'indexPrice' | 'fundingRate' | 'predictedFundingRate' | 'openInterest' | 'openInterestValue', v: string | undefined): boolean {
  const d = dec(v);
  if (d === null) return false;
  if (d !== undefined) fields[key] = d;
  return true;
}

/**
 * Parse the data of an OKX derivative channel into `out`. Returns false when `channel` is not one of them.
 * `arg.instId` is the index id on `index-tickers` (its data names it too).
 */
export function parseOkxDerivative(channel: string, data: unknown[], out: WireMessage[]): boolean {
  const bad = (what: string): void => void out.push({ kind: 'malformed', reason: `${what} data does not match the wire schema` });
  switch (channel) {
    case 'mark-price':
      for (const d of data) {
        const r = OkxMarkPriceData.safeParse(d);
        const f: DerivativeFields = {};
        if (!r.success || !put(f, 'markPrice', r.data.markPx)) bad(channel);
        else out.push(derivative(r.data.instId, r.data.ts, f));
      }
      return true;
    case 'index-tickers':
      for (const d of data) {
        const r = OkxIndexTickerData.safeParse(d);
        const f: DerivativeFields = {};
        if (!r.success || !put(f, 'indexPrice', r.data.idxPx)) bad(channel);
        else out.push(derivative(swapOfIndex(r.data.instId), r.data.ts, f));
      }
      return true;
    case 'funding-rate':
      for (const d of data) {
        const r = OkxFundingRateData.safeParse(d);
        const f: DerivativeFields = {};
        // nextFundingRate: OKX's forecast of the following period, "" since that method is no longer supported
        if (!r.success || !put(f, 'fundingRate', r.data.fundingRate) || !put(f, 'predictedFundingRate', r.data.nextFundingRate)) {
          bad(channel);
          continue;
        }
        // fundingTime: when the running period settles (nextFundingTime is the one after it)
        const settles = micros(r.data.fundingTime);
        if (settles !== undefined) f.nextFundingTime = settles;
        out.push(derivative(r.data.instId, r.data.ts, f));
      }
      return true;
    case 'open-interest':
      for (const d of data) {
        const r = OkxOpenInterestData.safeParse(d);
        const f: DerivativeFields = {};
        if (!r.success || !put(f, 'openInterest', r.data.oi) || !put(f, 'openInterestValue', r.data.oiUsd)) {
          bad(channel);
          continue;
        }
        if (f.openInterest !== undefined) f.openInterestUnit = 'contracts';
        out.push(derivative(r.data.instId, r.data.ts, f));
      }
      return true;
    case 'liquidation-orders':
      for (const d of data) {
        const r = OkxLiquidationData.safeParse(d);
        if (!r.success) {
          bad(channel);
          continue;
        }
        for (const l of r.data.details) {
          const price = dec(l.bkPx);
          const size = dec(l.sz);
          if (typeof price !== 'string' || typeof size !== 'string' || (l.side !== 'buy' && l.side !== 'sell')) {
            bad(channel);
            continue;
          }
          // `side` is the liquidation order's side (sell = a long position was closed), as tickwire's
          const msg: WireMessage = { kind: 'liquidation', market: r.data.instId, side: l.side, price, size };
          const t = micros(l.ts);
          if (t !== undefined) msg.exchangeTime = t;
          out.push(msg);
        }
      }
      return true;
    default:
      return false;
  }
}
