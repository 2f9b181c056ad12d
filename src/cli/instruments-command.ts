/**
 * `tickwire instruments EXCHANGE [--json]`: the exchange's instrument list — a table on stdout, or with `--json`
 * one `InstrumentRecord` per line (NDJSON). `--sim` lists the built-in simulator's instruments instead.
 */
import { TwError } from '../errors.js';
import { EXCHANGE_IDS, ExchangeId } from '../schema/events.js';
import type { InstrumentRecord } from '../schema/instrument.js';
import { adaptersFromEnv } from '../exchanges/registry.js';
import { instruments } from '../api/instruments.js';
import { parseConfig } from '../config.js';
import { configFromArgs } from './stream-command.js';
import { intFlag, makeLogger, parseFlags } from './args.js';
import { startSim } from '../sim/index.js';

const FLAGS = {
  json: { type: 'boolean' },
  endpoint: { type: 'string', multiple: true },
  config: { type: 'string' },
  sim: { type: 'boolean' },
  'sim-seed': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

const USAGE = 'tickwire instruments EXCHANGE [--json] (e.g. tickwire instruments binance-futures)';

const COLUMNS: Array<[string, (r: InstrumentRecord) => string]> = [
  ['market', (r) => r.market],
  ['symbol', (r) => r.symbol],
  ['kind', (r) => r.kind ?? ''],
  ['settle', (r) => r.settle ?? ''],
  ['tick', (r) => r.tickSize ?? ''],
  ['lot', (r) => r.lotSize ?? ''],
  ['min size', (r) => r.minSize ?? ''],
  ['min notional', (r) => r.minNotional ?? ''],
  ['contract', (r) => (r.contractValue === undefined ? '' : `${r.contractValue}${r.contractValueCurrency ? ` ${r.contractValueCurrency}` : ''}`)],
  ['expiry', (r) => (r.expiry === undefined ? '' : new Date(Math.floor(r.expiry / 1000)).toISOString().slice(0, 16).replace('T', ' '))],
  ['status', (r) => r.status ?? (r.trading ? 'trading' : 'not trading')],
];

/** The human table: one row per instrument, columns padded, empty columns left out. */
export function instrumentsTable(records: readonly InstrumentRecord[]): string {
  const cols = COLUMNS.filter(([, get], i) => i < 2 || records.some((r) => get(r) !== ''));
  const rows = [cols.map(([h]) => h), ...records.map((r) => cols.map(([, get]) => get(r)))];
  const widths = cols.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export async function runInstruments(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (positionals.length !== 1) throw new TwError('TW_ERR_CONFIG', `instruments lists one exchange: ${USAGE}`);
  const ex = ExchangeId.safeParse(positionals[0]);
  if (!ex.success) throw new TwError('TW_ERR_CONFIG', `unknown exchange ${JSON.stringify(positionals[0])}; known: ${EXCHANGE_IDS.join(', ')}`);
  const exchange = ex.data;
  let config = configFromArgs(values, []);
  const logger = makeLogger(typeof values['log-level'] === 'string' ? values['log-level'] : 'warn');
  const sim = values.sim === true ? await startSim({ exchanges: [exchange], seed: intFlag('sim-seed', values['sim-seed']) ?? 1 }) : undefined;
  try {
    const ep = sim?.endpoints[exchange];
    if (ep !== undefined && config.endpoints[exchange] === undefined) config = parseConfig({ ...config, endpoints: { ...config.endpoints, [exchange]: ep } });
    const { markets: _m, channels: _c, ...rest } = config;
    const list = await instruments(exchange, { ...rest, logger, adapters: await adaptersFromEnv(process.env) });
    process.stdout.write(values.json === true ? list.map((r) => JSON.stringify(r)).join('\n') + (list.length > 0 ? '\n' : '') : instrumentsTable(list));
    return 0;
  } finally {
    await sim?.close();
  }
}
