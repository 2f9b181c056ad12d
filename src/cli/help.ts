/** `--help` texts. Keep them true to the code (README shows the same). */
export const HELP = `tickwire — real-time crypto market data: verified order books, normalized NDJSON

Usage:
  tickwire stream <exchange:BASE/QUOTE>... [options]   NDJSON events on stdout, logs on stderr
  tickwire stream --sim                                the same, from the built-in simulator
  tickwire serve [--port 8787] [markets...] [--sim]    local WebSocket server with live subscriptions
  tickwire sim [--exchange binance] [--port 9443]      run the exchange simulator on its own
  tickwire schema                                      print the event JSON Schema
  tickwire <command> --help                            options of a command

Exchanges: binance, binance-futures, coinbase, coinbase-exchange, kraken, okx, okx-swap, bybit, bybit-linear
Exit codes: 0 normal end, 1 unexpected failure, 2 bad arguments or no valid subscription left.
`;

export const COMMAND_HELP: Record<string, string> = {
  stream: `tickwire stream <exchange:BASE/QUOTE>... [options]

Streams normalized events (ticker, book_snapshot, book_delta, trade, status) as NDJSON on stdout, one per line.
Logs go to stderr. Ends on SIGINT/SIGTERM or when stdout closes (e.g. | head).

Options:
  --channels LIST            ticker,book,trades (default: all three)
  --endpoint EX=WS,REST      override an exchange's base origins, repeatable, e.g.
                             --endpoint binance=ws://127.0.0.1:9443,http://127.0.0.1:9443
  --sim                      start the built-in simulator and stream from it (default markets
                             binance:BTC/USDT binance:ETH/USDT)
  --sim-seed N               simulator seed (default 1)
  --config FILE              JSON config file (flags beat the file, the file beats defaults)
  --book-depth N             subscribed book depth where the exchange offers a choice
  --snapshot-depth N         REST snapshot levels per side (default 1000)
  --symbols-per-connection N symbols per WebSocket connection (default 20)
  --reconcile-interval MS    periodic REST cross-check of live books, 0 = off (default 300000)
  --no-data-timeout MS       silence before a no_data status for a book/ticker stream (default 30000)
  --stdout-buffer BYTES      output backlog before events are dropped with a gap status (default 8388608)
  --log-level LEVEL          trace|debug|info|warn|error|fatal|silent (default info)
`,
  serve: `tickwire serve [markets to preload...] [options]

A local WebSocket server on 127.0.0.1: clients send JSON commands
  {"op":"subscribe","id":1,"streams":["binance:BTC/USDT@book"],"top"?:N,"every"?:MS}
  {"op":"unsubscribe","id":2,"streams":[...]}   {"op":"list","id":3}   {"op":"ping","id":4}
and receive a book snapshot then deltas (or book_top ladders), trades and tickers, each message with the
stream's seq. GET /health (JSON) and GET /metrics (Prometheus) on the same port. Protocol: docs/server.md.
Markets given as exchange:BASE/QUOTE (every --channels channel) or exchange:BASE/QUOTE@channel stay
subscribed; anything else is subscribed on demand and dropped --grace ms after its last client leaves.

Options:
  --port N                   port (default 8787; 0 = any free port)
  --host H                   bind address (default 127.0.0.1); any other address requires --token
  --token T                  bearer token (Authorization: Bearer T, or ?token=T); wrong/missing → HTTP 401
  --top N --every MS         default for book subscriptions: book_top ladders of N levels every MS ms
                             instead of deltas (clients may override; top 0 = deltas)
  --grace MS                 delay before an unused upstream subscription is dropped (default 5000)
  --max-clients N            (default 256)          --max-subscriptions N   per client (default 64)
  --max-frame-bytes N        largest command frame (default 16384)
  --high-water BYTES         a client with more unsent bytes is behind: books conflate, trades drop with
                             a gap status (default 1048576)
  --slow-timeout MS          a client behind this long is disconnected with close code 4008 (default 10000)
  --heartbeat MS             ping period; a client missing a pong is terminated (default 30000)
  --sim                      start the built-in simulator and serve from it
  --endpoint, --config, --book-depth, --snapshot-depth, --symbols-per-connection, --reconcile-interval,
  --no-data-timeout, --channels, --sim-seed, --log-level: as for tickwire stream
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
  --log-level LEVEL
`,
  schema: `tickwire schema

Prints the JSON Schema (draft 2020-12) of every event tickwire emits, with its schema version.
`,
};
