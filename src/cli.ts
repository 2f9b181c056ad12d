#!/usr/bin/env node
/**
 * The `tickwire` command. stdout carries data only (NDJSON, one event per line); logs go to stderr through pino.
 * Exit codes: 0 normal end (SIGINT/SIGTERM, stdout closed), 1 unexpected failure, 2 bad arguments, no valid
 * subscription left, or a recording refused (unknown format/version); 3 `replay` of a damaged recording (everything
 * before the damage was replayed).
 */
import { TwError } from './errors.js';
import { marketEventJsonSchema } from './schema/events.js';
import { HELP, COMMAND_HELP } from './cli/help.js';
import { runStream } from './cli/stream-command.js';
import { runSim } from './cli/sim-command.js';
import { runConsume } from './cli/consume-command.js';
import { runServe } from './cli/serve-command.js';
import { runRecord } from './cli/record-command.js';
import { runReplay } from './cli/replay-command.js';
import { runTop } from './cli/top-command.js';
import { runInstruments } from './cli/instruments-command.js';
import { EXIT_USAGE, parseFlags } from './cli/args.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    if (command === undefined) {
      process.stderr.write(HELP);
      return EXIT_USAGE;
    }
    process.stdout.write(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(COMMAND_HELP[command] ?? HELP);
    return 0;
  }
  switch (command) {
    case 'stream':
      return runStream(rest);
    case 'sim':
      return runSim(rest);
    case 'consume':
      return runConsume(rest, process.stdout);
    case 'serve':
      return runServe(rest);
    case 'record':
      return runRecord(rest);
    case 'top':
      return runTop(rest);
    case 'replay':
      return runReplay(rest);
    case 'instruments':
      return runInstruments(rest);
    case 'schema': {
      const { positionals } = parseFlags(rest, {});
      if (positionals.length > 0) throw new TwError('TW_ERR_CONFIG', `schema takes no arguments, got ${JSON.stringify(positionals[0])}`);
      process.stdout.write(JSON.stringify(marketEventJsonSchema(), null, 2) + '\n');
      return 0;
    }
    default:
      throw new TwError('TW_ERR_CONFIG', `unknown command ${JSON.stringify(command)}; see tickwire --help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof TwError && (err.code === 'TW_ERR_CONFIG' || err.code === 'TW_ERR_UNKNOWN_SYMBOL' || err.code === 'TW_ERR_RECORDING')) {
      process.stderr.write(`tickwire: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(`tickwire: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
