/**
 * `tickwire top EXCHANGE:BASE/QUOTE`: a live ladder of one book, redrawn in the terminal until Ctrl-C. The book is
 * the one the pipeline verified (book events through `books()`); while it is not trusted the header says so.
 */
import { TwError } from '../errors.js';
import { Hub } from '../pipeline/hub.js';
import { adaptersFromEnv } from '../exchanges/registry.js';
import { books, type MaintainedBook } from '../operators/books.js';
import { splitMarketRef } from '../config.js';
import type { ExchangeId } from '../schema/events.js';
import { intFlag, parseFlags } from './args.js';
import { STREAM_FLAGS, prepareStream } from './stream-command.js';
import { renderLadder } from './human/ladder.js';
import { localIso, paintFor } from './human/terminal.js';

const { record: _r, 'rotate-size': _rs, 'rotate-minutes': _rm, 'summary-every': _se, channels: _c, ...LIVE_FLAGS } = STREAM_FLAGS;
export const TOP_FLAGS = { ...LIVE_FLAGS, depth: { type: 'string' }, interval: { type: 'string' } } as const;

const USAGE = 'tickwire top exchange:BASE/QUOTE [--depth 10] (e.g. tickwire top binance:BTC/USDT --sim)';

/** The market of a `top` argument: `exchange:BASE/QUOTE` or `…@book`; any other channel is refused. */
export function topMarket(positionals: string[]): string {
  if (positionals.length !== 1) throw new TwError('TW_ERR_CONFIG', `top shows one book: ${USAGE}`);
  const ref = positionals[0]!;
  const at = ref.indexOf('@');
  if (at < 0) return ref;
  const channel = ref.slice(at + 1);
  if (channel !== 'book') {
    throw new TwError('TW_ERR_CONFIG', `top shows an order book, not ${channel}: give ${ref.slice(0, at)} (or ${ref.slice(0, at)}@book)`);
  }
  return ref.slice(0, at);
}

export async function runTop(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, TOP_FLAGS);
  const market = topMarket(positionals);
  const depth = intFlag('depth', values.depth) ?? 10;
  const everyMs = intFlag('interval', values.interval) ?? 250;
  if (depth < 1 || depth > 1000) throw new TwError('TW_ERR_CONFIG', '--depth expects 1…1000 levels per side');
  if (everyMs < 10) throw new TwError('TW_ERR_CONFIG', '--interval expects at least 10 ms between redraws');
  const { config, logger, sim } = await prepareStream({ ...values, channels: 'book' }, [market], USAGE);
  const hub = new Hub(config, { logger, adapters: await adaptersFromEnv(process.env) });
  const out = process.stdout;
  const tty = out.isTTY === true;
  const paint = paintFor(tty, process.env);
  const { exchange, symbol } = splitMarketRef(config.markets[0]!);
  let latest: MaintainedBook | undefined;
  let state = 'connecting';
  let reason = '';
  let dirty = true;
  const sub = hub.events$.subscribe((e) => {
    // a native id (binance:BTCUSDT) is the events' `market`; their `symbol` is the unified one
    if (e.type === 'status' && (e.symbol === undefined || e.symbol === symbol || e.market === symbol)) {
      state = e.state;
      reason = `${e.code} ${e.reason}`;
      dirty = true;
    }
  });
  sub.add(
    hub.events$.pipe(books()).subscribe((m) => {
      latest = m;
      dirty = true;
    }),
  );
  const draw = (): void => {
    if (!dirty) return;
    dirty = false;
    const top = latest?.book.top(depth) ?? { bids: [], asks: [] };
    const frame = renderLadder(
      {
        exchange,
        symbol,
        bids: top.bids,
        asks: top.asks,
        updateId: latest?.updateId,
        trusted: latest?.trusted ?? false,
        state,
        reason,
        time: localIso(Date.now() * 1000),
      },
      paint,
    );
    out.write(tty ? `\x1b[H\x1b[J${frame}` : `${frame}\n`);
  };
  if (tty) out.write('\x1b[?25l'); // hide the cursor while redrawing
  const timer = setInterval(draw, everyMs);
  const ok = await hub.add(exchange as ExchangeId, symbol, ['book']);
  if (!ok) {
    clearInterval(timer);
    sub.unsubscribe();
    hub.close();
    await sim?.close();
    if (tty) out.write('\x1b[?25h');
    throw new TwError('TW_ERR_UNKNOWN_SYMBOL', `${market}: ${reason || 'unknown symbol'}`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    out.once('error', () => resolve());
  });
  clearInterval(timer);
  sub.unsubscribe();
  hub.close();
  await sim?.close();
  if (tty) out.write('\x1b[?25h\n');
  logger.flush();
  return 0;
}
