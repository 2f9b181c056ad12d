/**
 * One literal of defaults: every setting, its default and its meaning. A `--config` JSON file and CLI flags
 * override it (CLI beats file beats defaults).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Channel, DEFAULT_CHANNELS, EXCHANGE_IDS, ExchangeId } from './schema/events.js';
import { TwError } from './errors.js';

/**
 * `exchange:SYMBOL`: a unified `BASE/QUOTE` (`binance:BTC/USDT`), a derivative's settle form
 * (`binance-futures:BTC/USDT:USDT`) or the exchange's native id (`binance:BTCUSDT`, `okx-swap:BTC-USDT-SWAP`),
 * resolved against the exchange's instruments in that order (src/pipeline/resolve.ts).
 */
export const MarketRef = z
  .string()
  .regex(
    /^[a-z-]+:[A-Za-z0-9._-][A-Za-z0-9._/-]*(:[A-Za-z0-9._/-]+)?$/,
    'expected exchange:SYMBOL — BASE/QUOTE or the exchange\'s native id, e.g. binance:BTC/USDT or binance:BTCUSDT',
  )
  .refine((s) => (EXCHANGE_IDS as readonly string[]).includes(s.slice(0, s.indexOf(':'))), {
    message: `unknown exchange; known: ${EXCHANGE_IDS.join(', ')}`,
  });

const WsOrigin = z.string().regex(/^wss?:\/\/[^\s/]+(\/[^\s]*)?$/, 'expected a WebSocket origin like ws://127.0.0.1:9443');
const RestOrigin = z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'expected an HTTP origin like http://127.0.0.1:9443');
/** The WebSocket origin first (`ws://`/`wss://`), the REST origin second (`http://`/`https://`). */
export const EndpointOverride = z.object({ ws: WsOrigin, rest: RestOrigin });
export type EndpointOverride = z.infer<typeof EndpointOverride>;

export const BackoffConfig = z
  .object({
    /** First reconnect delay (before jitter). */
    initialMs: z.number().int().positive().default(250),
    /** Cap of the exponential delay. */
    maxMs: z.number().int().positive().default(30_000),
    factor: z.number().min(1).default(2),
  })
  .strict();

export const TickwireConfig = z
  .object({
    /** Markets to stream, `exchange:SYMBOL` (unified `BASE/QUOTE`, settle form or native id). */
    markets: z.array(MarketRef).default([]),
    /**
     * Trade bars: `trade_bar` events of this interval (`1s`, `5s`, `1m`, `5m`, `1h`, `1d`, …) built from the trades
     * of every market streaming trades, emitted on close (see bars/bar-builder.ts); `closeAfterMs`: a bar
     * closes once another event of its exchange is this far past its end, if no later trade of its market came.
     */
    bars: z
      .object({
        interval: z.string().regex(/^[1-9]\d*[smhd]$/, 'a bar interval such as 1s, 5s, 1m, 5m, 1h, 1d'),
        closeAfterMs: z.number().int().nonnegative().default(1000),
      })
      .strict()
      .optional(),
    /** Channels for every market. */
    channels: z.array(Channel).min(1).default([...DEFAULT_CHANNELS]),
    /** Base-origin overrides per exchange (testnets, the simulator, a recording served locally). */
    endpoints: z.partialRecord(ExchangeId, EndpointOverride).default({}),
    /** Subscribed book depth where the exchange offers a choice (Kraken 10…1000, Bybit 1…1000); adapter default when absent. */
    bookDepth: z.number().int().positive().optional(),
    /** Levels per side of REST snapshots. */
    snapshotDepth: z.number().int().positive().default(1000),
    /** Symbols per WebSocket connection (every channel of a symbol rides on the same connection). */
    symbolsPerConnection: z.number().int().positive().default(20),
    /**
     * Channel `derivative`: poll the fields an exchange gives only over REST (Binance open interest) every this many
     * ms, within the REST weight budget; 0 disables the polling (those fields are then absent).
     */
    openInterestIntervalMs: z.number().int().nonnegative().default(60_000),
    /** Periodic REST cross-check of every live REST-synced book; 0 disables it. */
    reconcileIntervalMs: z.number().int().nonnegative().default(300_000),
    /**
     * Full-book REST check of books whose feed gives nothing to check (integrity `none`: Coinbase Exchange
     * `level2_batch`): every this many ms each such live book is compared level by level with the exchange's REST
     * book; a difference persisting over 3 checks while the market moves is a lost update (resync, code
     * TW_ERR_RECONCILE_MISMATCH), found within about 3 intervals. 0 disables it (the top-N cross-check of
     * `reconcileIntervalMs` then applies).
     */
    bookCheckIntervalMs: z.number().int().nonnegative().default(15_000),
    /** A subscribed book/ticker stream silent this long on a healthy connection gets a `no_data` status. */
    noDataTimeoutMs: z.number().int().positive().default(30_000),
    /**
     * A book of a feed that cannot prove continuity (integrity `monotonic`/`none`, Coinbase Advanced Trade's
     * connection-wide chain) whose data pauses this long and resumes with an update is resynced; 0 disables it.
     */
    bookPauseMs: z.number().int().nonnegative().default(1_000),
    /**
     * Replace a connection this old with a new one, make-before-break (the new one's books go live before the old
     * one closes; no `resyncing`): Binance closes connections after 24 h. 0 disables it.
     */
    maxConnectionAgeMs: z.number().int().nonnegative().default(85_800_000),
    /** Override of the adapter's stale deadline (no frame at all, pings included). */
    staleAfterMs: z.number().int().positive().optional(),
    /** Override of the adapter's client ping interval. */
    pingIntervalMs: z.number().int().positive().optional(),
    backoff: BackoffConfig.default({ initialMs: 250, maxMs: 30_000, factor: 2 }),
    /** REST request timeout. */
    restTimeoutMs: z.number().int().positive().default(10_000),
    /**
     * Share of an exchange's announced REST weight limit tickwire lets itself use (Binance: 6000/min). 0.8 leaves
     * room for other clients on the same IP; a process alone on its IP may use up to 1 (the server's used-weight
     * header and 429s are still obeyed).
     */
    restWeightShare: z.number().gt(0).max(1).default(0.8),
    /**
     * Levels per side of the FIRST REST snapshot of a book (e.g. 100: Binance weight 5 instead of 50 for 1000), so
     * that many books go live within one weight window; a full `snapshotDepth` snapshot then deepens each book, at
     * low priority, as the budget allows. Until then a book is verified (and complete) to this depth only.
     * Only for books whose REST snapshot carries an update id (Binance, Bybit, …; not Coinbase's top-N checked
     * books). Default: `snapshotDepth` (one deep snapshot).
     */
    firstSnapshotDepth: z.number().int().positive().optional(),
    /** Retries of one REST request before it fails (the sync then tries again later). */
    restMaxRetries: z.number().int().nonnegative().default(8),
    /** NDJSON sink: bytes buffered for a slow stdout before events are dropped (with an explicit gap status). */
    stdoutBufferBytes: z.number().int().positive().default(8 * 1024 * 1024),
    /** pino level for stderr logs. */
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .strict();
export type TickwireConfig = z.infer<typeof TickwireConfig>;
export type TickwireConfigInput = z.input<typeof TickwireConfig>;

/** Parse a config object; a bad setting fails fast with every problem on one line. */
export function parseConfig(input: unknown): TickwireConfig {
  const r = TickwireConfig.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new TwError('TW_ERR_CONFIG', `invalid configuration: ${msg}`);
  }
  if (r.data.bars !== undefined && !r.data.channels.includes('trades')) {
    throw new TwError('TW_ERR_CONFIG', 'invalid configuration: bars are built from trades: channels must include trades');
  }
  return r.data;
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TwError('TW_ERR_CONFIG', `cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TwError('TW_ERR_CONFIG', `config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `binance=ws://127.0.0.1:9443,http://127.0.0.1:9443` → [exchange, {ws, rest}]. */
export function parseEndpointFlag(value: string): [ExchangeId, EndpointOverride] {
  const usage = 'expected <exchange>=<ws-origin>,<rest-origin>, e.g. binance=ws://127.0.0.1:9443,http://127.0.0.1:9443';
  const bad = (why: string): TwError => new TwError('TW_ERR_CONFIG', `bad --endpoint ${JSON.stringify(value)}: ${why}`);
  const eq = value.indexOf('=');
  if (eq < 1) throw bad(usage);
  const name = value.slice(0, eq);
  const ex = ExchangeId.safeParse(name);
  if (!ex.success) throw bad(`unknown exchange ${JSON.stringify(name)}; known: ${EXCHANGE_IDS.join(', ')}`);
  const parts = value.slice(eq + 1).split(',');
  if (parts.length !== 2) throw bad(usage);
  const [ws, rest] = parts as [string, string];
  if (/^https?:/.test(ws) && /^wss?:/.test(rest)) throw bad(`the WebSocket origin comes first, then the REST origin (${rest},${ws})`);
  const ep = EndpointOverride.safeParse({ ws, rest });
  if (!ep.success) throw bad(`${ep.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}; ${usage}`);
  return [ex.data, ep.data];
}

export function splitMarketRef(ref: string): { exchange: ExchangeId; symbol: string } {
  const i = ref.indexOf(':');
  return { exchange: ref.slice(0, i) as ExchangeId, symbol: ref.slice(i + 1).toUpperCase() };
}
