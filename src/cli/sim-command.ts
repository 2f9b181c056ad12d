/** `tickwire sim`: run the built-in exchange simulator on its own, for other tools to use. */
import { TwError } from '../errors.js';
import { ExchangeId } from '../schema/events.js';
import { startChaos } from '../sim/chaos.js';
import { startSim, type Simulator } from '../sim/index.js';
import { listenError } from '../sinks/server/listen-error.js';
import { intFlag, makeLogger, parseFlags } from './args.js';
import { onShutdownSignals } from './shutdown.js';

/** `BASE/QUOTE`, as the simulator names its markets. */
const SYMBOL_RE = /^[A-Z0-9._-]+\/[A-Z0-9._-]+$/;

export async function runSim(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    exchange: { type: 'string', multiple: true },
    port: { type: 'string' },
    seed: { type: 'string' },
    symbols: { type: 'string' },
    interval: { type: 'string' },
    chaos: { type: 'string' },
    'log-level': { type: 'string' },
  });
  const exchanges = ((values.exchange as string[] | undefined) ?? ['binance']).map((e) => {
    const r = ExchangeId.safeParse(e);
    if (!r.success) throw new TwError('TW_ERR_CONFIG', `unknown exchange ${JSON.stringify(e)}`);
    return r.data;
  });
  const port = intFlag('port', values.port);
  if (port !== undefined && exchanges.length > 1) {
    throw new TwError('TW_ERR_CONFIG', '--port takes one --exchange (each exchange gets its own port)');
  }
  const logger = makeLogger(typeof values['log-level'] === 'string' ? values['log-level'] : 'info');
  const seed = intFlag('seed', values.seed) ?? 1;
  const intervalMs = intFlag('interval', values.interval);
  if (intervalMs === 0) throw new TwError('TW_ERR_CONFIG', '--interval expects milliseconds between book updates, at least 1');
  const chaosSec = values.chaos === undefined ? undefined : Number(values.chaos);
  if (chaosSec !== undefined && (typeof values.chaos !== 'string' || !/^\d+(\.\d+)?$/.test(values.chaos) || !(chaosSec > 0))) {
    throw new TwError('TW_ERR_CONFIG', `--chaos expects seconds > 0, got ${JSON.stringify(values.chaos)}`);
  }
  const symbols = typeof values.symbols === 'string' ? values.symbols.split(',').map((s) => s.trim().toUpperCase()) : undefined;
  const badSymbol = symbols?.find((s) => !SYMBOL_RE.test(s));
  if (badSymbol !== undefined) {
    throw new TwError('TW_ERR_CONFIG', `--symbols expects BASE/QUOTE names separated by commas (e.g. BTC/USDT,ETH/USDT), got ${JSON.stringify(badSymbol)}`);
  }
  let sim: Simulator;
  try {
    sim = await startSim({
      exchanges,
      seed,
      ...(port !== undefined ? { ports: { [exchanges[0]!]: port } } : {}),
      ...(symbols ? { symbols } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    });
  } catch (err) {
    throw listenError(err, '127.0.0.1', port ?? 0);
  }
  for (const ex of exchanges) {
    const ep = sim.endpoints[ex];
    if (ep) process.stdout.write(`--endpoint ${ex}=${ep.ws},${ep.rest}\n`);
  }
  logger.info({ endpoints: sim.endpoints, seed }, 'simulator running; Ctrl-C stops it');
  const chaos =
    chaosSec === undefined
      ? undefined
      : startChaos(sim, {
          seconds: chaosSec,
          seed,
          onFault: (exchange, fault, n) => logger.warn({ chaos: n, exchange, fault }, `chaos: ${fault.kind} on ${exchange}`),
        });
  await new Promise<void>((resolve) => onShutdownSignals(logger, () => resolve()));
  chaos?.stop();
  await sim.close();
  return 0;
}
