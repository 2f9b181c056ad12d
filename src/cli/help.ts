/** `--help` texts. Keep them true to the code (README shows the same). */
export const HELP = `tickwire — real-time crypto market data: verified order books, normalized NDJSON

Usage:
  tickwire stream <exchange:BASE/QUOTE>... [options]   NDJSON events on stdout, logs on stderr
  tickwire stream --sim                                the same, from the built-in simulator
  tickwire sim [--exchange binance] [--port 9443]      run the exchange simulator on its own
  tickwire schema                                      print the event JSON Schema
  tickwire <command> --help                            options of a command

Exchanges: binance, binance-futures, bybit, bybit-linear (more as adapters land: see README)
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
