/** `--rotate-size` / `--rotate-minutes`, shared by `record` and `stream --record`. */
import { TwError } from '../errors.js';
import { intFlag } from './args.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `1048576`, `512k`, `100M`, `2G` → bytes. */
export function parseSize(flag: string, v: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(v.trim());
  const n = m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new TwError('TW_ERR_CONFIG', `--${flag} expects a size in bytes like 104857600, 512k or 100M, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function recordOptionsFromArgs(
  values: Record<string, unknown>,
  recording: boolean,
  fileFlag: string,
): { rotateSizeBytes?: number; rotateMinutes?: number } {
  const size = values['rotate-size'];
  const minutes = intFlag('rotate-minutes', values['rotate-minutes']);
  if (!recording && (size !== undefined || minutes !== undefined)) {
    throw new TwError('TW_ERR_CONFIG', `--rotate-size and --rotate-minutes need ${fileFlag} FILE`);
  }
  if (minutes === 0) throw new TwError('TW_ERR_CONFIG', '--rotate-minutes expects a positive integer');
  return {
    ...(typeof size === 'string' ? { rotateSizeBytes: parseSize('rotate-size', size) } : {}),
    ...(minutes !== undefined ? { rotateMinutes: minutes } : {}),
  };
}
