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
  // each command's module loads when it runs: `stream` carries no simulator, server or NATS client it does not use
  switch (command) {
    case 'stream':
      return (await import('./cli/stream-command.js')).runStream(rest);
    case 'sim':
      return (await import('./cli/sim-command.js')).runSim(rest);
    case 'consume':
      return (await import('./cli/consume-command.js')).runConsume(rest, process.stdout);
    case 'serve':
      return (await import('./cli/serve-command.js')).runServe(rest);
    case 'record':
      return (await import('./cli/record-command.js')).runRecord(rest);
    case 'top':
      return (await import('./cli/top-command.js')).runTop(rest);
    case 'replay':
      return (await import('./cli/replay-command.js')).runReplay(rest);
    case 'instruments':
      return (await import('./cli/instruments-command.js')).runInstruments(rest);
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
