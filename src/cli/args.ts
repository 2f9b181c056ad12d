import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino, { type Logger } from 'pino';
import { TwError } from '../errors.js';
import { LOG_REDACT_PATHS, REDACTED } from '../util/redact.js';
import { prettyLogStream } from './human/pretty-log.js';
import { paintFor } from './human/terminal.js';

export const EXIT_USAGE = 2;

/** pino options shared by every tickwire logger: credential fields are always redacted. */
export function loggerOptions(level: string): pino.LoggerOptions {
  return { level, base: { pid: process.pid }, redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } };
}

/** pino to stderr (fd 2): stdout carries data only. Readable lines when stderr is a terminal, JSON otherwise. */
export function makeLogger(level: string): Logger {
  if (process.stderr.isTTY === true) return pino(loggerOptions(level), prettyLogStream(process.stderr, paintFor(true, process.env)));
  return pino(loggerOptions(level), pino.destination({ fd: 2, sync: false }));
}

/** parseArgs with its errors turned into TW_ERR_CONFIG (exit 2). */
export function parseFlags(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values, positionals: r.positionals };
  } catch (e) {
    throw new TwError('TW_ERR_CONFIG', flagError(args, (e as Error).message));
  }
}

/**
 * parseArgs' message, except for its "argument is ambiguous" text about a value that starts with a dash: a negative
 * number (no tickwire option takes one) or a missing value followed by the next option.
 */
function flagError(args: string[], message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown !== null) return `unknown option ${unknown[1]!} (see --help)`;
  const m = /^Option '(-[^ ']+)[^']*' argument is ambiguous/.exec(message);
  if (m === null) return message.split('\n')[0]!;
  const opt = m[1]!;
  const long = opt.startsWith('--') ? opt : undefined;
  const i = args.findIndex((a) => a === opt || (long === undefined ? false : a === long));
  const next = i >= 0 ? args[i + 1] : undefined;
  if (next !== undefined && /^-\d/.test(next)) return `${opt} does not take a negative number (got ${next})`;
  return `${opt} needs a value${next === undefined ? '' : ` (got the option ${next} instead)`}`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration flag in ms: `500`, `500ms`, `90s`, `15m`, `23h`, `23h30m` (0 allowed). */
export function durationFlag(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v.trim() : '';
  if (/^\d+$/.test(text)) return intFlag(name, text);
  const parts = /^(?:\d+(?:ms|s|m|h))+$/.test(text) ? [...text.matchAll(/(\d+)(ms|s|m|h)/g)] : [];
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
  if (parts.length === 0 || !Number.isSafeInteger(ms)) {
    throw new TwError('TW_ERR_CONFIG', `--${name} expects a duration (e.g. 23h, 90m, 30s, 500ms or plain ms), got ${JSON.stringify(v)}`);
  }
  return ms;
}

export function intFlag(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw new TwError('TW_ERR_CONFIG', `--${name} expects a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return n;
}
