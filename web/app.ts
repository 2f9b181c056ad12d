/**
 * The dashboard page: pick markets from the ones the server offers (`GET /streams`) or type one; every message
 * updates the market's state at once, and the DOM is redrawn at most once per animation frame (requestAnimationFrame),
 * so rendering is conflated and never falls behind the socket however high the event rate.
 */
import { ServerConnection, authHeaders, pageToken, type ServerMessage } from './connection.js';
import { DepthChart } from './depth-chart.js';
import { MarketView } from './market.js';
import { LadderView, byId, renderCard, renderOffered, renderStats, renderTicker, renderTrades } from './view.js';

const MARKET_RE = /^[a-z-]+:[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

class Dashboard {
  private readonly markets = new Map<string, MarketView>();
  private readonly cards = new Map<string, HTMLLIElement>();
  private readonly rates = new Map<string, number>();
  private focused: string | undefined;
  private readonly token = pageToken(location);
  private readonly conn: ServerConnection;
  private readonly ladder = new LadderView(byId<HTMLTableElement>('ladder'));
  private depth: DepthChart | undefined;
  private frame = 0;
  private lastRateAt = performance.now();
  private readonly counted = new Map<string, number>();

  constructor() {
    this.conn = new ServerConnection(location, this.token, {
      onMessage: (m) => this.onMessage(m),
      onState: (state, detail) => {
        const c = byId('conn');
        c.dataset['state'] = state;
        c.textContent = state === 'open' ? `connected · ${detail}` : state === 'connecting' ? 'connecting…' : detail;
        if (state === 'closed') for (const m of this.markets.values()) m.socket('disconnected', `dashboard socket: ${detail}`);
        if (state === 'open') for (const m of this.markets.values()) m.socket('waiting', 'resubscribed');
        this.schedule(true);
      },
      streams: () => [...this.markets.values()].flatMap((m) => m.streams()),
    });
    byId<HTMLFormElement>('picker').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = byId<HTMLInputElement>('market-input');
      const market = input.value.trim().replace(/@[a-z]+$/, '');
      if (!MARKET_RE.test(market)) {
        this.notice(`"${market}" is not exchange:BASE/QUOTE, e.g. binance:BTC/USDT`);
        return;
      }
      input.value = '';
      this.add(market);
    });
    byId('markets').addEventListener('click', (ev) => {
      const target = ev.target as HTMLElement;
      const li = target.closest<HTMLLIElement>('li[data-market]');
      const market = li?.dataset['market'];
      if (market === undefined) return;
      if (target.dataset['action'] === 'remove') this.remove(market);
      else this.focus(market);
    });
    this.conn.start();
    void this.loadOffered();
    setInterval(() => this.updateRates(), 1000);
  }

  private async loadOffered(): Promise<void> {
    const res = await fetch('streams', { headers: authHeaders(this.token) });
    if (!res.ok) {
      this.notice(res.status === 401 ? 'unauthorized: open the page as /#token=YOUR_TOKEN' : `GET /streams: HTTP ${res.status}`);
      return;
    }
    const body = (await res.json()) as { markets?: unknown };
    const markets = Array.isArray(body.markets) ? body.markets.filter((m): m is string => typeof m === 'string') : [];
    const datalist = byId('offered');
    renderOffered(byId('offered-list'), markets, (m) => this.add(m));
    datalist.replaceChildren(...markets.map((m) => Object.assign(document.createElement('option'), { value: m })));
    const first = markets[0];
    if (this.markets.size === 0 && first !== undefined) this.add(first);
  }

  add(market: string): void {
    if (!this.markets.has(market)) {
      const m = new MarketView(market);
      this.markets.set(market, m);
      const li = document.createElement('li');
      li.dataset['market'] = market;
      li.className = 'card';
      byId('markets').append(li);
      this.cards.set(market, li);
      for (const s of m.streams()) this.conn.subscribe(s);
    }
    this.focus(market);
  }

  remove(market: string): void {
    const m = this.markets.get(market);
    if (m === undefined) return;
    for (const s of m.streams()) this.conn.unsubscribe(s);
    this.markets.delete(market);
    this.cards.get(market)?.remove();
    this.cards.delete(market);
    if (this.focused === market) this.focused = this.markets.keys().next().value;
    this.schedule(true);
  }

  focus(market: string): void {
    this.focused = market;
    this.schedule(true);
  }

  private notice(text: string): void {
    const n = byId('notice');
    n.textContent = text;
    n.hidden = text === '';
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'error') {
      this.notice(`server: ${String(msg['message'])}`);
      return;
    }
    if (msg.type === 'ack' || msg.stream === undefined) return;
    const m = this.markets.get(msg.stream.slice(0, msg.stream.lastIndexOf('@')));
    if (m === undefined) return; // unsubscribed meanwhile
    m.apply(msg);
    this.schedule(false);
  }

  /** Ask for a redraw on the next animation frame (one at most, whatever the number of messages meanwhile). */
  private schedule(all: boolean): void {
    if (all) for (const m of this.markets.values()) m.dirty = true;
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  private updateRates(): void {
    const now = performance.now();
    const secs = (now - this.lastRateAt) / 1000;
    this.lastRateAt = now;
    for (const [k, m] of this.markets) {
      this.rates.set(k, (m.events - (this.counted.get(k) ?? 0)) / secs);
      this.counted.set(k, m.events);
    }
    this.schedule(true);
  }

  private render(): void {
    this.frame = 0;
    for (const [k, m] of this.markets) {
      if (!m.dirty) continue;
      renderCard(this.cards.get(k) as HTMLLIElement, m, this.rates.get(k) ?? 0, k === this.focused);
    }
    const m = this.focused === undefined ? undefined : this.markets.get(this.focused);
    byId('empty').hidden = m !== undefined;
    byId('focus').hidden = m === undefined;
    if (m !== undefined && m.dirty) {
      byId('market-name').textContent = m.market;
      const badge = byId('market-state');
      badge.textContent = m.state;
      badge.className = `badge state-${m.state}`;
      const banner = byId('book-banner');
      banner.hidden = m.trusted();
      banner.textContent = m.trusted() ? '' : `book ${m.state}: not trustworthy until live${m.lastReason ? ` — ${m.lastReason}` : ''}`;
      this.ladder.render(m);
      this.depth ??= new DepthChart(byId('depth'));
      this.depth.render(m.book);
      renderTicker(byId('ticker'), m);
      renderTrades(byId<HTMLTableSectionElement>('trades-body'), m);
      renderStats(byId('stats'), m, this.rates.get(m.market) ?? 0);
    }
    for (const x of this.markets.values()) x.dirty = false;
  }
}

new Dashboard();
