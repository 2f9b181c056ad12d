/**
 * One error class with stable codes. Every code is documented in the README's table; status events carry the
 * same codes. `TW_OK` marks a status that is not an error (open, live, reconciled…).
 */
export const CODES = {
  TW_OK: 'normal state change',
  TW_ERR_SOCKET_CLOSED: 'the WebSocket closed (close code and reason in details); the connection reconnects',
  TW_ERR_SOCKET_ERROR: 'the WebSocket failed to connect or errored; the connection reconnects with backoff',
  TW_ERR_STALE: 'no frame (pings included) or no pong within the deadline; the connection is forced to reconnect',
  TW_ERR_SERVER_SHUTDOWN: 'the exchange announced a shutdown or upgrade (Binance serverShutdown, OKX notice, Kraken maintenance, Gate upgrade); the connection is replaced make-before-break (its `closed` status names the replacement), or reconnects early',
  TW_ERR_RECONNECTED: 'the connection carrying this book reconnected; the book is resynced',
  TW_ERR_SEQUENCE_GAP: 'an update did not chain onto the previous one; that book is resynced',
  TW_ERR_CHECKSUM: "the exchange checksum did not match the local book; that book is resynced",
  TW_ERR_CROSSED_BOOK: 'best bid >= best ask after an update; that book is resynced',
  TW_ERR_SNAPSHOT_STALE: 'a REST snapshot was older than the buffered updates; it is fetched again',
  TW_ERR_BOOK_BUFFER_OVERFLOW: 'too many updates were buffered while waiting for a snapshot; buffering restarts from the newest one',
  TW_ERR_RECONCILE_MISMATCH: 'the periodic REST cross-check found different levels; that book is resynced',
  TW_ERR_UNKNOWN_SYMBOL: 'the symbol is not listed by the exchange (or not trading); that subscription is dropped (`details.permanent: true`). An "unknown symbol" reply for a symbol the instrument list shows trading is treated as transient, like any other refusal',
  TW_ERR_NO_DATA: 'a subscribed stream sent nothing within the no-data deadline while its connection is healthy',
  TW_ERR_MALFORMED_FRAME: 'a frame was not valid JSON or did not match the wire schema; it is counted and skipped, and the books it may have carried are resynced: the ones it names, or — when it names none — every book of its connection whose feed cannot prove continuity (integrity `monotonic`/`none`)',
  TW_ERR_UNKNOWN_MESSAGE: 'a well-formed frame of a kind tickwire does not know; it is counted and skipped',
  TW_ERR_EXCHANGE_ERROR: 'the exchange answered a request with an error. A refused (re-)subscription that is not permanent (rate limit, maintenance, anything but an unknown symbol) is retried with capped, jittered backoff for as long as it is wanted (`details.permanent: false`, `attempt`, `retryInMs`); its book is `resyncing` meanwhile',
  TW_ERR_REST_RATE_LIMIT: 'REST 429/418/403 (rate limit, IP ban): the host\'s requests wait for Retry-After (or backoff) before the next one, then retry',
  TW_ERR_REST_HTTP: 'REST answered 5xx; retried after Retry-After when given, else with backoff',
  TW_ERR_REST_FAILED: 'a REST request failed at the network level or timed out; retried with backoff',
  TW_ERR_BACKPRESSURE: 'a slow consumer fell behind; events were dropped or conflated (counts in details)',
  TW_ERR_CONFIG: 'invalid configuration or arguments',
  TW_ERR_CLIENT_REQUEST: 'a local-server client sent an invalid command',
  TW_ERR_NATS: 'NATS is slow, down or refused a publish; events are buffered within bounds, then shed with a gap status',
  TW_ERR_STREAM_GAP: 'a NATS consumer saw a hole in seq for a stream key; that book waits for its next snapshot',
  TW_ERR_BOOK_UNTRUSTED: 'a rebuilt book without update ids cannot be ordered across publishers (restart overlap); untrusted until a snapshot is proven current',
  TW_ERR_RECORDING: 'a recording is damaged (replayed up to the damage) or of an unknown format/version (refused)',
} as const;
export type TwCode = keyof typeof CODES;
export type TwErrorCode = Exclude<TwCode, 'TW_OK'>;

export class TwError extends Error {
  readonly code: TwErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: TwErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'TwError';
    this.code = code;
    this.details = details;
  }
}
