/** `--help` texts. Keep them true to the code (README shows the same). */
import { NATS_HELP } from './nats-flags.js';

export const CONSUME_HELP = `tickwire consume [SUBJECT-FILTER] [options]

Reads events that tickwire instances published to NATS JetStream (tickwire stream … --nats URL) and prints
them as NDJSON on stdout. SUBJECT-FILTER is a NATS wildcard under the prefix, e.g. 'tickwire.binance.book.>'
or 'tickwire.*.trades.BTC_USDT' (default: 'tickwire.>'). Symbols in subjects: '/' → '_', other characters
outside [A-Za-z0-9-] → ~XX. Each book starts from its latest checkpoint; holes appear as gap status lines.

Options:
  --nats URL           NATS server(s), comma-separated (default nats://127.0.0.1:4222)
  --nats-stream NAME   JetStream stream (default TICKWIRE)
  --nats-prefix P      subject prefix (default tickwire)
  --from WHERE         snapshot (default): latest checkpoint per book; all: the whole retained stream;
                       new: only events published from now on
  --stdout-buffer BYTES  output backlog before lines are dropped with a gap status (default 8388608)
  --log-level LEVEL    trace|debug|info|warn|error|fatal|silent (default info)
`;

export const HELP = `tickwire — real-time crypto market data: checked order books, normalized NDJSON

Usage:
  tickwire stream <exchange:BASE/QUOTE>... [options]   NDJSON events on stdout, logs on stderr
  tickwire stream --sim                                the same, from the built-in simulator
  tickwire top <exchange:BASE/QUOTE> [--sim]           a live ladder of one book in the terminal
  tickwire serve [--port 8787] [markets...] [--sim]    local WebSocket server with live subscriptions
  tickwire record <exchange:BASE/QUOTE>... --out FILE  record raw frames + REST (no stdout), replayable
  tickwire replay FILE [--speed N|max]                 replay a recording: the same NDJSON as live
  tickwire sim [--exchange binance] [--port 9443]      run the exchange simulator on its own
  tickwire consume 'tickwire.binance.book.>' [--nats URL]  NDJSON of what tickwire instances published to NATS
  tickwire instruments <exchange> [--json]             the exchange's instruments (tick/lot sizes, kind…)
  tickwire schema                                      print the event JSON Schema
  tickwire <command> --help                            options of a command

Exchanges: binance, binance-futures, binance-delivery, coinbase, coinbase-exchange, kraken, okx, okx-swap, bybit, bybit-linear, deribit, gateio
Markets: exchange:BASE/QUOTE, the exchange's own id (binance:BTCUSDT, okx-swap:BTC-USDT-SWAP, deribit:BTC-PERPETUAL)
or a derivative's BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]] form, e.g. binance-futures:BTC/USDT:USDT,
deribit:BTC/USD:BTC (BTC-PERPETUAL), deribit:ETH/USD:ETH-241227-3000-C (an option); events carry symbol and market.
Exit codes: 0 normal end, 1 unexpected failure, 2 bad arguments, no valid subscription left or a refused
recording, 3 replay of a damaged recording (replayed up to the damage).
`;

export const COMMAND_HELP: Record<string, string> = {
  stream: `tickwire stream <exchange:SYMBOL>... [options]

SYMBOL: BASE/QUOTE, the exchange's own id (binance:BTCUSDT) or BASE/QUOTE:SETTLE (derivatives).

Streams normalized events (ticker, book_snapshot, book_delta, trade, status) on stdout, one per line: NDJSON
when stdout is a pipe or file, readable lines (local time, exchange, symbol, type, key numbers; statuses coloured
unless NO_COLOR is set) when it is a terminal. Logs go to stderr (readable on a terminal, JSON otherwise). Ends on
SIGINT/SIGTERM or when stdout closes (e.g. | head). Signals during the stop are ignored (a recording is always
closed whole); the process exits at the latest 15 s after the first signal.

Options:
  --pretty                   readable lines even when stdout is not a terminal
  --ndjson                   NDJSON even when stdout is a terminal
  --channels LIST            ticker,book,trades (default: these three), derivative (derivative_ticker: mark,
                             index, funding, open interest) and liquidations (bybit-linear, binance-delivery,
                             binance-futures, okx-swap, deribit)
  --open-interest-interval S poll open interest over REST every S seconds where the exchange gives it only
                             there (binance-delivery, binance-futures), within the REST weight budget; 0 = off
                             (default 60)
  --bars INTERVAL            also emit closed trade_bar events (OHLC, volumes, VWAP) built from the trades,
                             e.g. 1s, 5s, 1m, 5m, 1h, 1d, aligned in exchange time; a bar closes on a later
                             trade of its market or an event of its exchange 1 s past its end (config
                             bars.closeAfterMs); complete:false when trades of it may be missing
  --endpoint EX=WS,REST      override an exchange's base origins, repeatable, e.g.
                             --endpoint binance=ws://127.0.0.1:9443,http://127.0.0.1:9443
  --sim                      start the built-in simulator and stream from it (default markets
                             binance:BTC/USDT binance:ETH/USDT)
  --sim-seed N               simulator seed (default 1)
  --config FILE              JSON config file (flags beat the file, the file beats defaults)
  --book-depth N             subscribed book depth where the exchange offers a choice
  --snapshot-depth N         REST snapshot levels per side (default 1000)
  --first-snapshot-depth N   (re)sync books from an N-level snapshot (Binance 100: weight 5, not 50), then deepen
                             each to --snapshot-depth at low priority; verified to N levels until then
  --rest-weight-share F      share of the exchange's REST weight limit to use, 0 < F <= 1 (default 0.8)
  --symbols-per-connection N symbols per WebSocket connection (default 20)
  --reconcile-interval MS    periodic REST cross-check of live books, 0 = off (default 300000)
  --no-data-timeout MS       silence before a no_data status for a book/ticker stream (default 30000)
  --book-pause MS            a book of a feed without per-book proof (coinbase, coinbase-exchange) whose
                             data pauses this long is resynced, 0 = off (default 1000)
  --book-check-interval MS   full-book REST check of books the feed gives nothing to check (coinbase-exchange,
                             integrity none): a difference persisting over 3 checks resyncs the book, so a lost
                             update is found within about 3 intervals; 0 = off (default 15000)
  --max-connection-age D     replace a connection this old make-before-break (its books stay live, no resync):
                             23h, 90m, 30s, 500ms or plain ms; 0 = off (default 23h50m; Binance closes at 24h)
  --stdout-buffer BYTES      output backlog before events are dropped with a gap status (default 8388608:
                             ~0.15 s of a 20-book burst, over a minute at the real cadence; at least twice
                             the largest line; drops are warned on stderr)
  --log-level LEVEL          trace|debug|info|warn|error|fatal|silent (default info)
  --quiet, -q                the same as --log-level warn (no progress summaries)
  --summary-every S          log a one-line summary every S seconds at info: events/s per exchange, books
                             live/total, dropped events (default 10; 0 = only at the end)
  --record FILE              also record raw frames, REST responses and timer firings to FILE (gzip
                             NDJSON, e.g. session.ndjson.gz); replay with tickwire replay FILE
  --rotate-size BYTES        with --record: start FILE.1, FILE.2… at about this size (e.g. 100M)
  --rotate-minutes N         with --record: start a new part every N minutes
${NATS_HELP}`,
  consume: CONSUME_HELP,
  record: `tickwire record <exchange:BASE/QUOTE>... --out FILE [options]

Runs the same pipeline as stream (books are synced, so the REST snapshots they need are fetched) and records
every raw frame received and sent, connection status, REST response and pipeline timer firing, with local
receive times in µs, to FILE (gzip NDJSON). Prints no events (stdout stays empty; use stream --record to record
and print). Stops on SIGINT/SIGTERM and flushes the file (later signals are ignored during the stop, which is
bounded by 15 s). The file is created mode 0600; credentials in sent frames are recorded as "[Redacted]". Replay
it with tickwire replay FILE.

Options:
  --out FILE, -o FILE        the recording, e.g. session.ndjson.gz (parts: session.1.ndjson.gz, …)
  --rotate-size BYTES        start a new part at about this compressed size (e.g. 104857600, 512k, 100M)
  --rotate-minutes N         start a new part every N minutes
  --summary-every S          log frames, compressed bytes and parts every S seconds (default 10) and at the end
  and every option of tickwire stream (--channels, --endpoint, --sim, --config, --book-depth, …)
`,
  replay: `tickwire replay FILE [FILE...] [options]

Replays a recording through the same adapters, book sync and sinks as live data and prints the same normalized
NDJSON the live session printed (localTime, seq and epoch included). FILE is the first part of a rotated chain
(the next parts are followed), or list every part in order. A slow reader holds the replay back: no event is
dropped.

Options:
  --speed N|max              1 = recorded pace, 10 = ten times faster, max = as fast as possible (default)
  --log-level LEVEL          stderr logs (default warn; info adds the final summary record)

On a terminal, stderr shows a progress bar and ends with a summary line (events, books, damage if any).

Exit codes: 0 replayed to the end (or stopped), 2 refused (not a tickwire recording, unknown version, missing
file), 3 damaged recording: everything before the damage was printed, then a status with code TW_ERR_RECORDING;
the file, line and reason are also on stderr.
`,
  serve: `tickwire serve [markets to preload...] [options]

A local WebSocket server on 127.0.0.1: clients send JSON commands
  {"op":"subscribe","id":1,"streams":["binance:BTC/USDT@book"],"top"?:N,"every"?:MS}
  {"op":"unsubscribe","id":2,"streams":[...]}   {"op":"list","id":3}   {"op":"ping","id":4}
and receive a book snapshot then deltas (or book_top ladders), trades and tickers, each message with the
stream's seq. GET /health (JSON) and GET /metrics (Prometheus) on the same port. Protocol: docs/server.md.
Open http://127.0.0.1:PORT/ in a browser for the dashboard: live ladders, depth, trades, ticker and each
book's state (with --token, open http://HOST:PORT/#token=T).
Markets given as exchange:BASE/QUOTE (every --channels channel) or exchange:BASE/QUOTE@channel stay
subscribed; anything else is subscribed on demand and dropped --grace ms after its last client leaves.

Options:
  --port N                   port (default 8787; 0 = any free port)
  --host H                   bind address (default 127.0.0.1); any other address requires --token
  --token T                  token: Authorization: Bearer T, or subprotocol tickwire.token.T (browsers),
                             or ?token=T (weaker: URLs end up in logs and history); wrong/missing → HTTP 401
  --allow-origin ORIGIN      also accept WebSocket upgrades from this browser origin (scheme://host[:port]),
                             repeatable or comma list; other origins → HTTP 403 (no Origin header: allowed;
                             the server's own http://127.0.0.1:PORT and http://localhost:PORT: allowed)
  --top N --every MS         default for book subscriptions: book_top ladders of N levels every MS ms
                             instead of deltas (clients may override; top 0 = deltas)
  --grace MS                 delay before an unused upstream subscription is dropped (default 5000)
  --max-clients N            (default 256)          --max-subscriptions N   per client (default 64)
  --max-frame-bytes N        largest command frame (default 16384)
  --high-water BYTES         a client with more unsent bytes is behind: books conflate, trades drop with
                             a gap status (default 1048576)
  --slow-timeout MS          a client behind this long is disconnected with close code 4008 (default 10000)
  --max-buffered BYTES       a client's queue (unsent bytes, replies included, +512 per queued reply) past
                             which it is disconnected at once with close code 4008 (default 16777216)
  --max-commands N           commands per second per client, bursts of 2N; over it: close code 4029
                             (default 100)
  --heartbeat MS             ping period; a client missing a pong is terminated (default 30000)
  --sim                      start the built-in simulator and serve from it
  --replay FILE              serve a recording (tickwire record) instead of live data: its markets are
                             preloaded; other symbols are refused as not in the recording
  --speed N|max              with --replay: 1 = recorded pace (default), 10 = ten times faster, max
  --endpoint, --config, --book-depth, --snapshot-depth, --first-snapshot-depth, --rest-weight-share,
  --symbols-per-connection, --reconcile-interval, --no-data-timeout, --open-interest-interval, --book-pause, --book-check-interval,
  --max-connection-age, --channels, --sim-seed,
  --bars (trade_bar events go to the subscribers of @trades), --log-level, --nats…: as for tickwire stream
`,
  sim: `tickwire sim [options]

Runs the built-in exchange simulator (real wire protocols on 127.0.0.1, a seeded market) and prints the
ready-to-paste --endpoint line(s) on stdout. Ctrl-C stops it.

Options:
  --exchange EX      exchange protocol to serve, repeatable (default binance)
  --port N           port (one exchange only; default: a free port)
  --seed N           market seed (default 1)
  --symbols LIST     e.g. BTC/USDT,ETH/USDT
  --interval MS      book diff cadence per symbol (default 100)
  --chaos SECONDS    every SECONDS, inject one random fault (drop/garbage diff, silence, close, shutdown
                     notice, REST 429/418/500/slow, the exchange's checksum/chain faults) into a random
                     exchange and symbol; each is logged on stderr; deterministic per --seed
  --log-level LEVEL

Fault control (every exchange's port, next to its REST paths; see docs/simulator.md):
  POST /_sim/fault   body: one fault, e.g. {"kind":"garbage-diff","symbol":"BTC/USDT"} (400 when bad)
  POST /_sim/clear   clear every fault of that exchange
  GET  /_sim/faults  the active faults
  GET  /_sim/book?symbol=BTC/USDT&depth=N   the true book {updateId, bids, asks} at the last event sent
`,
  top: `tickwire top <exchange:BASE/QUOTE>[@book] [options]

Draws the best levels of one verified book (asks above bids, sizes with bars, the spread, the book's state and
last status) and redraws it until Ctrl-C. Only books: @trades or @ticker are refused.

Options:
  --depth N                  levels per side (default 10)
  --interval MS              redraw period (default 250)
  --sim, --sim-seed, --endpoint, --config, --book-depth, --snapshot-depth, --log-level…: as for tickwire stream
`,
  instruments: `tickwire instruments <exchange> [options]

Lists every instrument the exchange's instruments endpoint gives (the list stream/serve validate markets with):
native id (market), unified symbol, kind (spot/perpetual/future/option), settlement currency, tick and lot
size, minimum size and value, contract value, expiry and status — a table on stdout, sorted by native id. A fact
the endpoint does not give is left empty. Any of the market column, the symbol column or (derivatives)
BASE/QUOTE:SETTLE names the instrument in tickwire stream.

Options:
  --json                     one instrument record per line (NDJSON; schema: src/schema/instrument.ts)
  --endpoint EX=WS,REST      read from another origin (testnet, simulator)
  --sim                      list the built-in simulator's instruments (--sim-seed N)
  --config FILE              JSON config file (its endpoints apply)
  --log-level LEVEL          default warn
`,
  schema: `tickwire schema

Prints the JSON Schema (draft 2020-12) of every event tickwire emits, with its schema version.
`,
};
