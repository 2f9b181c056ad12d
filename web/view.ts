/**
 * DOM rendering of a MarketView: the ladder (rows created once, then only their text and bar widths change), the
 * ticker bar, recent trades, the book's status panel and the sidebar cards. Called at most once per animation frame.
 */
import { trimDecimal, type Level } from './book.js';
import { alignDecimals, clockTime, compactNumber } from './format.js';
import type { MarketView } from './market.js';

export const LADDER_DEPTH = 12;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls !== undefined) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

export const byId = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} missing`);
  return e as T;
};

interface Row {
  tr: HTMLTableRowElement;
  price: HTMLTableCellElement;
  size: HTMLTableCellElement;
  total: HTMLTableCellElement;
}

export class LadderView {
  private readonly asks: Row[] = [];
  private readonly bids: Row[] = [];
  private readonly spread: HTMLTableCellElement;

  constructor(private readonly table: HTMLTableElement, private readonly depth = LADDER_DEPTH) {
    const head = el('thead');
    const hr = el('tr');
    for (const h of ['Price', 'Size', 'Total']) hr.append(el('th', undefined, h));
    head.append(hr);
    const body = el('tbody');
    for (let i = 0; i < depth; i++) this.asks.push(this.row(body, 'ask'));
    const sr = el('tr', 'spread');
    this.spread = el('td', undefined, '');
    this.spread.colSpan = 3;
    sr.append(this.spread);
    body.append(sr);
    for (let i = 0; i < depth; i++) this.bids.push(this.row(body, 'bid'));
    table.replaceChildren(head, body);
  }

  private row(body: HTMLTableSectionElement, side: 'ask' | 'bid'): Row {
    const tr = el('tr', side);
    const price = el('td', 'price');
    const size = el('td', 'size');
    const total = el('td', 'total');
    tr.append(price, size, total);
    body.append(tr);
    return { tr, price, size, total };
  }

  render(m: MarketView): void {
    const { bids, asks } = m.top(this.depth);
    const maxSize = Math.max(1e-12, ...[...bids, ...asks].map(([, s]) => Number(s)));
    const prices = alignDecimals([...bids, ...asks].map(([p]) => p));
    const sizes = alignDecimals([...bids, ...asks].map(([, s]) => s));
    const fill = (rows: Row[], levels: Level[], offset: number, reversed: boolean): void => {
      let total = 0;
      const totals = levels.map(([, s]) => (total += Number(s)));
      rows.forEach((r, i) => {
        // asks are drawn worst-first above the spread, so the best ask sits next to it
        const k = reversed ? levels.length - 1 - (i - (rows.length - levels.length)) : i;
        const lv = k >= 0 && k < levels.length ? levels[k] : undefined;
        r.tr.classList.toggle('empty', lv === undefined);
        r.price.textContent = lv === undefined ? '' : (prices[offset + k] as string);
        r.size.textContent = lv === undefined ? '' : (sizes[offset + k] as string);
        r.total.textContent = lv === undefined ? '' : compactNumber(totals[k] as number);
        // the size bar: a gradient across the row, as wide as the level's share of the largest visible size
        r.tr.style.setProperty('--depth', lv === undefined ? '0%' : `${((Number(lv[1]) / maxSize) * 100).toFixed(1)}%`);
      });
    };
    fill(this.bids, bids, 0, false);
    fill(this.asks, asks, bids.length, true);
    const spread = m.book.spread();
    const b = bids[0];
    const mid = b !== undefined && asks[0] !== undefined ? (Number(b[0]) + Number(asks[0][0])) / 2 : undefined;
    this.spread.textContent =
      spread === undefined ? '—' : `spread ${spread}${mid ? `  ·  ${((Number(spread) / mid) * 10_000).toPrecision(2)} bp` : ''}`;
    this.table.classList.toggle('untrusted', !m.trusted());
  }
}

export function renderTrades(tbody: HTMLTableSectionElement, m: MarketView): void {
  const prices = alignDecimals(m.trades.map((t) => t.price));
  const sizes = alignDecimals(m.trades.map((t) => t.size));
  const rows = m.trades.map((t, i) => {
    const tr = el('tr', t.side);
    tr.append(el('td', 'price', prices[i]), el('td', 'size', sizes[i]), el('td', 'time', clockTime(t.time)));
    return tr;
  });
  tbody.replaceChildren(...rows);
}

export function renderTicker(root: HTMLElement, m: MarketView): void {
  const t = m.ticker;
  const change =
    t.last !== undefined && t.open24h !== undefined && Number(t.open24h) !== 0
      ? ((Number(t.last) / Number(t.open24h) - 1) * 100).toFixed(2)
      : undefined;
  const items: Array<[string, string | undefined, string?]> = [
    ['Last', t.last, 'last'],
    ['24h', change === undefined ? undefined : `${Number(change) >= 0 ? '+' : ''}${change}%`, Number(change) >= 0 ? 'up' : 'down'],
    ['Bid', t.bidPrice],
    ['Ask', t.askPrice],
    ['24h high', t.high24h],
    ['24h low', t.low24h],
    ['24h volume', t.volume24h],
  ];
  root.replaceChildren(
    ...items.map(([label, value, cls]) => {
      const d = el('div', 'tick');
      const shown = value === undefined ? '—' : label === '24h' ? value : trimDecimal(value);
      d.append(el('span', 'label', label), el('span', `value ${value !== undefined ? (cls ?? '') : ''}`, shown));
      return d;
    }),
  );
}

export function renderStats(dl: HTMLElement, m: MarketView, rate: number): void {
  const rows: Array<[key: string, label: string, value: string, cls?: string]> = [
    ['state', 'State', m.state, `state-${m.state}`],
    ['integrity', 'Integrity', m.book.integrity ?? '—'],
    ['updateId', 'Update id', m.book.updateId === undefined ? '—' : String(m.book.updateId)],
    ['rate', 'Event rate', `${rate.toFixed(0)} /s`],
    ['connection', 'Connection', m.connection || '—'],
    ['dropped', 'Dropped', String(m.lost)],
    ['reason', 'Last status', m.lastReason ? `${m.lastReason} (${m.lastCode})` : '—'],
  ];
  dl.replaceChildren(
    ...rows.flatMap(([key, label, value, cls]) => {
      const dd = el('dd', cls, value);
      dd.dataset['key'] = key;
      return [el('dt', undefined, label), dd];
    }),
  );
}

export function renderCard(li: HTMLElement, m: MarketView, rate: number, focused: boolean): void {
  li.classList.toggle('focused', focused);
  const head = el('div', 'card-head');
  const remove = el('button', 'remove', '×');
  remove.title = 'stop watching';
  remove.dataset['action'] = 'remove';
  const i = m.market.indexOf(':');
  const name = el('span', 'name', m.market.slice(i + 1));
  name.title = m.market;
  head.append(name, el('span', `badge state-${m.state}`, m.state), remove);
  const meta = el('div', 'card-meta');
  meta.append(el('span', 'exchange', m.market.slice(0, i)), ` · id ${m.book.updateId ?? '—'} · ${rate.toFixed(0)}/s`);
  const reason = el('div', 'card-reason', m.lastReason || ' ');
  reason.title = m.lastReason;
  li.replaceChildren(head, meta, reason);
}

/** The markets the server offers, grouped by exchange: `binance  BTC/USDT  ETH/USDT`. */
export function renderOffered(list: HTMLElement, markets: readonly string[], pick: (market: string) => void): void {
  const groups = new Map<string, string[]>();
  for (const m of markets) {
    const i = m.indexOf(':');
    const ex = m.slice(0, i);
    groups.set(ex, [...(groups.get(ex) ?? []), m.slice(i + 1)]);
  }
  list.replaceChildren(
    ...[...groups].map(([ex, symbols]) => {
      const li = el('li');
      li.append(el('span', 'exchange', ex));
      for (const sym of symbols) {
        const b = el('button', undefined, sym);
        b.type = 'button';
        b.title = `watch ${ex}:${sym}`;
        b.dataset['market'] = `${ex}:${sym}`;
        b.addEventListener('click', () => pick(`${ex}:${sym}`));
        li.append(b);
      }
      return li;
    }),
  );
}
