/**
 * The local server's wire protocol: client commands (zod), stream names, and the replies the server sends.
 *
 * Client → server (one JSON object per text frame):
 *   {"op":"subscribe","id":1,"streams":["binance:BTC/USDT@book"],"top"?:10,"every"?:250}
 *   {"op":"unsubscribe","id":2,"streams":["binance:BTC/USDT@book"]}
 *   {"op":"list","id":3}
 *   {"op":"ping","id":4}
 * Server → client: `{"type":"ack",…}` and `{"type":"error",…}` replies, and stream messages (a MarketEvent with
 * `stream`, and `seq`/`epoch` counted per client subscription — see docs/server.md).
 */
import { z } from 'zod';
import type { RawData } from 'ws';
import { CHANNELS, EXCHANGE_IDS, type Channel, type ExchangeId } from '../../schema/events.js';

/**
 * `exchange:SYMBOL@channel`, e.g. `binance:BTC/USDT@book`; SYMBOL may also be the exchange's native id
 * (`binance:BTCUSDT@book`) or a derivative's settle form (`okx-swap:BTC/USDT:USDT@book`, `deribit:BTC/USD:BTC@book`):
 * see `canonicalName`. At most one `:` in SYMBOL.
 */
const STREAM_RE = /^([a-z-]+):([A-Za-z0-9._-][A-Za-z0-9._/-]*(?::[A-Za-z0-9._/-]+)?)@([a-z]+)$/;

export interface StreamName {
  /** Canonical key `exchange:SYMBOL@channel` (symbol upper-cased). */
  key: string;
  exchange: ExchangeId;
  symbol: string;
  channel: Channel;
}

/** Parse a stream name; a string explaining the problem when it is not one. */
export function parseStreamName(s: string): StreamName | string {
  const m = STREAM_RE.exec(s);
  if (m === null) return `bad stream name ${JSON.stringify(s)}: expected exchange:SYMBOL@channel (BASE/QUOTE or the native id), e.g. binance:BTC/USDT@book`;
  const [, ex, sym, ch] = m as unknown as [string, string, string, string];
  if (!(EXCHANGE_IDS as readonly string[]).includes(ex)) {
    return `unknown exchange ${JSON.stringify(ex)} in ${JSON.stringify(s)}; known: ${EXCHANGE_IDS.join(', ')}`;
  }
  if (!(CHANNELS as readonly string[]).includes(ch)) {
    return `unknown channel ${JSON.stringify(ch)} in ${JSON.stringify(s)}; channels are ${CHANNELS.join(', ')}`;
  }
  const symbol = sym.toUpperCase();
  return { key: `${ex}:${symbol}@${ch}`, exchange: ex as ExchangeId, symbol, channel: ch as Channel };
}

/**
 * The stream as events name it: a native id or settle form is replaced by the unified symbol of the instrument it
 * resolves to (events carry `symbol` unified and `market` native), so `binance:BTCUSDT@book` and
 * `binance:BTC/USDT@book` are one stream. A name that does not resolve is returned as given (subscribing refuses it).
 */
export async function canonicalName(
  resolve: (exchange: ExchangeId, symbol: string) => Promise<{ ok: boolean; instrument?: { symbol: string } } | undefined>,
  n: StreamName,
): Promise<StreamName> {
  const r = await resolve(n.exchange, n.symbol);
  const symbol = r?.ok ? r.instrument?.symbol : undefined;
  if (symbol === undefined || symbol === n.symbol) return n;
  return { key: `${n.exchange}:${symbol}@${n.channel}`, exchange: n.exchange, symbol, channel: n.channel };
}

/** A command id the client chooses; echoed in the reply. */
const Id = z.union([z.number().int(), z.string().max(64)], {
  error: (iss) =>
    iss.input === undefined
      ? 'missing: every command carries an "id" (a number or a string), echoed in its reply'
      : 'expected an integer or a string of up to 64 characters',
});
const Streams = z.array(z.string().max(128)).min(1).max(256);

export const SubscribeCommand = z
  .object({
    op: z.literal('subscribe'),
    id: Id,
    streams: Streams,
    /** Book streams: `book_top` ladders of this many levels per side instead of snapshot + deltas (0 = deltas). */
    top: z.number().int().min(0).max(1000).optional(),
    /** Interval of `book_top` ladders (ms); with `top`. */
    every: z.number().int().min(10).max(3_600_000).optional(),
  })
  .strict();
export const UnsubscribeCommand = z.object({ op: z.literal('unsubscribe'), id: Id, streams: Streams }).strict();
export const ListCommand = z.object({ op: z.literal('list'), id: Id }).strict();
export const PingCommand = z.object({ op: z.literal('ping'), id: Id }).strict();

export const ClientCommand = z.discriminatedUnion('op', [SubscribeCommand, UnsubscribeCommand, ListCommand, PingCommand]);
export type ClientCommand = z.infer<typeof ClientCommand>;
export type CommandId = z.infer<typeof Id>;

export const OPS = ['subscribe', 'unsubscribe', 'list', 'ping'] as const;

/** Parse one text frame into a command, or an error reply text (with the id when one could be read). */
export function parseCommand(text: string): { ok: true; cmd: ClientCommand } | { ok: false; id: CommandId | null; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, message: `malformed JSON: ${(e as Error).message}` };
  }
  const id = typeof raw === 'object' && raw !== null && 'id' in raw ? Id.safeParse((raw as { id: unknown }).id) : undefined;
  const idOut = id?.success ? id.data : null;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, id: null, message: 'a command must be a JSON object like {"op":"subscribe","id":1,"streams":[…]}' };
  }
  const op = (raw as { op?: unknown }).op;
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    return { ok: false, id: idOut, message: `unknown op ${JSON.stringify(op ?? null)}; ops are ${OPS.join(', ')}` };
  }
  const r = ClientCommand.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, id: idOut, message: `invalid ${op} command: ${msg}` };
  }
  return { ok: true, cmd: r.data };
}

export interface ErrorReply {
  type: 'error';
  id: CommandId | null;
  op?: string;
  code: string;
  message: string;
  streams?: string[];
}

export function errorReply(id: CommandId | null, code: string, message: string, extra: Partial<ErrorReply> = {}): string {
  const r: ErrorReply = { type: 'error', id, ...extra, code, message };
  return JSON.stringify(r);
}

export function ackReply(id: CommandId, op: ClientCommand['op'], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'ack', id, op, ...extra });
}

/** A client's WebSocket message as a command: JSON text only, at most `maxFrameBytes`, then `parseCommand`. */
export function commandOf(
  data: RawData,
  isBinary: boolean,
  maxFrameBytes: number,
): { ok: true; cmd: ClientCommand } | { ok: false; id: CommandId | null; message: string } {
  const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
  if (isBinary) return { ok: false, id: null, message: 'binary frames are not accepted: send JSON text commands' };
  if (size > maxFrameBytes) return { ok: false, id: null, message: `frame of ${size} bytes is over the ${maxFrameBytes}-byte limit` };
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
  return parseCommand(text);
}
