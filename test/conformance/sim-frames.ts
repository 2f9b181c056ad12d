/**
 * Simulated frames for the conformance suite: the exchange's simulator on loopback, subscribed with the adapter's
 * own messages (book, ticker and trade of a few symbols, paced at the adapter's control-message rate), every text
 * frame kept until enough book messages arrived (bounded by a deadline).
 */
import WebSocket from 'ws';
import { DEFAULT_CHANNELS, type Channel, type ExchangeId } from '../../src/schema/events.js';
import type { AdapterContext, ExchangeAdapter, Instrument, StreamRef } from '../../src/exchanges/types.js';
import { startSim } from '../../src/sim/index.js';

export interface SimFrames {
  frames: string[];
  ctx: AdapterContext;
  /** Native market ids of the subscribed symbols. */
  markets: string[];
}

/** The adapter's instruments as the simulator serves them, keyed by native market id (as the pipeline keeps them). */
export async function simInstruments(adapter: ExchangeAdapter, rest: string): Promise<Map<string, Instrument>> {
  const res = await fetch(rest + adapter.instrumentsRequest().path);
  if (res.status !== 200) throw new Error(`instruments: HTTP ${res.status}`);
  return new Map(adapter.parseInstruments(await res.text()).map((i) => [i.market, i]));
}

export function marketOf(adapter: ExchangeAdapter, instruments: ReadonlyMap<string, Instrument>, symbol: string): string {
  for (const i of instruments.values()) if (i.symbol === symbol) return i.market;
  return adapter.toMarket(symbol);
}

export async function collectSimFrames(
  id: ExchangeId,
  adapter: ExchangeAdapter,
  symbols: readonly string[],
  opts: { bookMessages: number; bookDepth: number; timeoutMs?: number },
): Promise<SimFrames> {
  const sim = await startSim({ exchanges: [id], seed: 11, symbols: [...symbols], levels: 200, intervalMs: 10, tradeIntervalMs: 20, tickerIntervalMs: 50 });
  const endpoints = { ...sim.endpoints[id]! };
  const frames: string[] = [];
  let socket: WebSocket | undefined;
  try {
    const instruments = await simInstruments(adapter, endpoints.rest);
    const ctx: AdapterContext = { bookDepth: opts.bookDepth, instruments };
    const markets = symbols.map((s) => marketOf(adapter, instruments, s));
    // the channels the exchange offers (the pipeline refuses the others before subscribing)
    const channels: readonly Channel[] = adapter.channels ?? DEFAULT_CHANNELS;
    const streams: StreamRef[] = markets.flatMap((market) => channels.map((channel) => ({ market, channel })));
    let n = 0;
    const messages = adapter.subscribe(streams, ctx, () => ++n);
    const paceMs = Math.ceil(1000 / adapter.limits.controlMessagesPerSecond);
    let books = 0;
    let trades = 0;
    let tickers = 0;
    let derivatives = 0;
    const wantsDerivatives = channels.includes('derivative');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${id}: ${books}/${opts.bookMessages} book messages, ${trades} trades, ${tickers} tickers in ${opts.timeoutMs ?? 8000} ms`)), opts.timeoutMs ?? 8000);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      socket = new WebSocket(adapter.wsUrl(endpoints));
      socket.on('message', (d: Buffer) => {
        const text = d.toString('utf8');
        frames.push(text);
        try {
          for (const m of adapter.parse(text, ctx)) {
            if (m.kind === 'book') books++;
            else if (m.kind === 'trade') trades++;
            else if (m.kind === 'ticker') tickers++;
            else if (m.kind === 'derivative') derivatives++;
          }
        } catch (e) {
          done(e as Error);
          return;
        }
        // every kind the check asks for: subscribes paced at the control rate may bring trades after the books
        if (books >= opts.bookMessages && trades > 0 && tickers > 0 && (!wantsDerivatives || derivatives > 0)) done();
      });
      socket.once('open', () => {
        messages.forEach((m, i) => setTimeout(() => socket?.send(m), i * paceMs));
      });
      socket.once('error', (e) => done(e));
      socket.once('close', (code) => done(new Error(`${id}: the simulator closed the socket (${code}) after ${frames.length} frames`)));
    });
    return { frames, ctx, markets };
  } finally {
    socket?.removeAllListeners('close');
    socket?.terminate();
    await sim.close();
  }
}
