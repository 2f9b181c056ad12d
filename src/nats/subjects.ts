/**
 * NATS subjects for market events: `<prefix>.<exchange>.<channel>.<symbolToken>`.
 *
 * - channel token: `book` (book_snapshot, book_delta, and stream-scoped status of a book), `ticker`, `trades`,
 *   `top` (book_top ladders: derived, kept off the `book` subject so a book rebuild never sees them), `bars`
 *   (trade_bar, derived from trades), `derivative`, `liquidations`, and
 *   `status` for status events that name no channel.
 * - symbol token: `/` becomes `_`; every other character outside `[A-Za-z0-9-]` (including `_` itself) becomes
 *   `~XX` per UTF-8 byte (upper-case hex), so the mapping is reversible and the token never contains `.`, `*`, `>`
 *   or whitespace. `BTC/USDT` → `BTC_USDT`, `BTC/USDT:USDT` → `BTC_USDT~3AUSDT`.
 * - status events without a symbol (connection scope) go to `<prefix>.<exchange>.status._conn` (`_conn` cannot be
 *   a symbol token: a literal `_` is always escaped).
 *
 * Checkpoints (periodic book snapshots, see publish.ts) live on `<prefix>_snap.<exchange>.book.<symbolToken>`
 * in a second stream that keeps only the last message per subject.
 */
import type { MarketEvent } from '../schema/events.js';
import { streamKey } from '../schema/stream-key.js';

export const CONNECTION_TOKEN = '_conn';

/** Header of a checkpoint message: the sequence, in the data stream, of the last event the checkpoint covers. */
export const STREAM_SEQ_HEADER = 'Tickwire-Stream-Seq';

const SAFE = /^[A-Za-z0-9-]$/;

export function symbolToken(symbol: string): string {
  let out = '';
  for (const ch of symbol) {
    if (ch === '/') out += '_';
    else if (SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '~' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function tokenToSymbol(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    if (ch === '_') bytes.push(0x2f);
    else if (ch === '~') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(ch.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The channel token of an event's subject. */
export function channelToken(e: MarketEvent): string {
  switch (e.type) {
    case 'book_snapshot':
    case 'book_delta':
      return 'book';
    case 'book_top':
      return 'top';
    case 'ticker':
      return 'ticker';
    case 'trade':
      return 'trades';
    case 'trade_bar':
      return 'bars';
    case 'derivative_ticker':
      return 'derivative';
    case 'liquidation':
      return 'liquidations';
    case 'status':
      return e.channel ?? 'status';
  }
}

export function subjectFor(prefix: string, e: MarketEvent): string {
  const sym = e.symbol === undefined ? CONNECTION_TOKEN : symbolToken(e.symbol);
  return `${prefix}.${e.exchange}.${channelToken(e)}.${sym}`;
}

/** Subject of a book's checkpoint in the snapshot stream. */
export function checkpointSubject(prefix: string, exchange: string, symbol: string): string {
  return `${snapshotPrefix(prefix)}.${exchange}.book.${symbolToken(symbol)}`;
}

export function snapshotPrefix(prefix: string): string {
  return `${prefix}_snap`;
}

/**
 * The stream key that a data event's `seq` counts in (the pipeline's `exchange:symbol@channel`, book_top in
 * `@book`). Status events count in their own `…@status` keys and are not loss-checked here: undefined.
 */
export function dataKeyOf(e: MarketEvent): string | undefined {
  return e.type === 'status' ? undefined : streamKey(e);
}

/** The book an event belongs to: book snapshots/deltas, and status events of a book stream. */
export function bookKeyOf(e: MarketEvent): string | undefined {
  if (e.type === 'book_snapshot' || e.type === 'book_delta') return `${e.exchange}:${e.symbol}@book`;
  if (e.type === 'status' && e.channel === 'book' && e.symbol !== undefined) return `${e.exchange}:${e.symbol}@book`;
  return undefined;
}

/**
 * A gap status (publisher marker or consumer report) declares lost events of one data stream in `details`:
 * `streamKey`, `epoch`, `fromSeq`, `toSeq` (inclusive). Its own seq/epoch are its issuer's.
 */
export interface GapDetails {
  streamKey: string;
  epoch: string;
  fromSeq: number;
  toSeq: number;
  /** Events dropped in the range (a range may include seqs that were delivered before a merge). */
  dropped: number;
}

export function gapDetailsOf(e: MarketEvent): GapDetails | undefined {
  if (e.type !== 'status' || e.state !== 'gap' || e.details === undefined) return undefined;
  const { streamKey, epoch, fromSeq, toSeq } = e.details;
  if (typeof streamKey !== 'string' || typeof epoch !== 'string') return undefined;
  if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') return undefined;
  const dropped = typeof e.details['dropped'] === 'number' ? e.details['dropped'] : toSeq - fromSeq + 1;
  return { streamKey, epoch, fromSeq, toSeq, dropped };
}

/**
 * Maps a consumer's filter on the event stream (`tickwire.binance.book.>`) to the same filter on the checkpoint
 * stream (`tickwire_snap.binance.book.>`). The filter must start with the literal prefix token.
 */
export function checkpointFilter(prefix: string, filter: string): string {
  if (filter === prefix || !filter.startsWith(prefix + '.')) {
    throw new Error(`NATS filter ${JSON.stringify(filter)} must start with "${prefix}."`);
  }
  return snapshotPrefix(prefix) + filter.slice(prefix.length);
}
