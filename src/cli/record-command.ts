/**
 * `tickwire record <markets…> --out FILE`: runs the same pipeline as `stream` (book sync included, so the REST
 * snapshots it needs are fetched and recorded) but prints no events: stdout stays empty, progress goes to stderr.
 * Stops on SIGINT/SIGTERM, flushing the recording. (`stream … --record FILE` records AND prints.)
 */
import { TwError } from '../errors.js';
import { parseFlags } from './args.js';
import { STREAM_FLAGS, openRecorder, prepareStream, runHub, summaryEvery } from './stream-command.js';
import { recordOptionsFromArgs } from './record-flags.js';
import { natsPublishFromFlags } from './nats-flags.js';

export async function runRecord(args: string[]): Promise<number> {
  const { record: _record, ...streamFlags } = STREAM_FLAGS;
  const { values, positionals } = parseFlags(args, { ...streamFlags, out: { type: 'string', short: 'o' } });
  const out = values.out;
  if (typeof out !== 'string' || out.length === 0) {
    throw new TwError('TW_ERR_CONFIG', 'record needs --out FILE, e.g. tickwire record binance:BTC/USDT --out session.ndjson.gz');
  }
  const rotation = recordOptionsFromArgs(values, true, '--out');
  const { config, logger, sim } = await prepareStream(values, positionals, 'tickwire record binance:BTC/USDT --out FILE (or --sim)');
  const nats = natsPublishFromFlags(values);
  const recorder = openRecorder(config, out, rotation, logger);
  return runHub(config, logger, { sim, nats, recorder, print: false, summaryEveryMs: summaryEvery(values) });
}
