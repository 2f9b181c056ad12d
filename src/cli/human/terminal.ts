/** Terminal basics for the human views: local ISO time, colours (off when NO_COLOR is set), padding. */

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain = (s: string): string => s;
const PLAIN: Paint = { green: plain, yellow: plain, red: plain, dim: plain, bold: plain };
const sgr =
  (code: string) =>
  (s: string): string =>
    `\x1b[${code}m${s}\x1b[0m`;
const ANSI: Paint = { green: sgr('32'), yellow: sgr('33'), red: sgr('31'), dim: sgr('2'), bold: sgr('1') };

/** Colours for a terminal: none when `NO_COLOR` is set to anything non-empty (no-color.org) or `tty` is false. */
export function paintFor(tty: boolean, env: NodeJS.ProcessEnv): Paint {
  return tty && (env.NO_COLOR === undefined || env.NO_COLOR === '') ? ANSI : PLAIN;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** Epoch µs as local ISO 8601 with milliseconds and the UTC offset, e.g. `2026-12-07T08:15:02.123+01:00`. */
export function localIso(micros: number, offsetMinutes?: number): string {
  const ms = Math.floor(micros / 1000);
  const off = offsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + off * 60_000); // read with the UTC getters: the local wall clock
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return (
    `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:` +
    `${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}${sign}${two(Math.floor(a / 60))}:${two(a % 60)}`
  );
}
