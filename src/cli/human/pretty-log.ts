/**
 * pino records made readable for a terminal (stderr on a TTY), the small equivalent of pino-pretty: local time,
 * level, message, then the other fields as key=value (objects as JSON). Off a terminal the logs stay JSON.
 */
import { localIso, type Paint } from './terminal.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One pino JSON record → one readable line (a line that is not a JSON object is returned as is). */
export function prettyLogLine(json: string, paint: Paint, offsetMinutes?: number): string {
  let r: unknown;
  try {
    r = JSON.parse(json);
  } catch {
    return json;
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return json;
  const rec = r as Record<string, unknown>;
  const level = typeof rec.level === 'number' ? rec.level : 30;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const colour = level >= 50 ? paint.red : level >= 40 ? paint.yellow : level >= 30 ? paint.green : paint.dim;
  const time = typeof rec.time === 'number' ? localIso(rec.time * 1000, offsetMinutes).slice(11, 23) : '';
  const fields: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (SKIP.has(k)) continue;
    fields.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  return `${paint.dim(time)} ${colour(name)} ${msg}${fields.length > 0 ? paint.dim(`  ${fields.join(' ')}`) : ''}`;
}

/** A pino destination writing readable lines to `out`. */
export function prettyLogStream(out: NodeJS.WritableStream, paint: Paint): { write(chunk: string): void } {
  return {
    write(chunk: string): void {
      let text = '';
      for (const line of chunk.split('\n')) if (line !== '') text += prettyLogLine(line, paint) + '\n';
      out.write(text);
    },
  };
}
