/**
 * What a recording keeps of what tickwire SENDS: every credential-bearing field of a sent frame (Coinbase Exchange
 * `key`, `passphrase`, `signature`; Advanced Trade `jwt`, whose header names the API key; any `secret`, `token`,
 * `password`, `privateKey`…) and of a REST URL's query is replaced by `"[Redacted]"` before it reaches the recorder.
 * Replay needs none of them: it checks the pipeline's sends against the recording in redacted form (`sameSend`).
 */

import { REDACTED, SECRET_NAMES } from '../util/redact.js';

export { REDACTED, redactUrl } from '../util/redact.js';

/** `"name": "value"` (a JSON string value, escapes included). */
const SECRET_FIELDS = new RegExp(`("(?:${SECRET_NAMES})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
/** The timestamp a signature covers: it changes with every signing, so a replay cannot send the same one. */
const SIGNED_TIMESTAMP = /("timestamp"\s*:\s*)(?:"[^"]*"|\d+)/g;

/** A sent frame as a recording (or a log line) may hold it; everything else is byte-identical. */
export function redactFrame(frame: string): string {
  return frame.replace(SECRET_FIELDS, `$1"${REDACTED}"`);
}

/**
 * Whether the pipeline's replayed send is the recorded (redacted) one. A redacted frame was signed: its
 * `timestamp` is that of the signing and is not compared.
 */
export function sameSend(recorded: string, replayed: string): boolean {
  const r = redactFrame(replayed);
  if (r === recorded) return true;
  if (!recorded.includes(REDACTED)) return false;
  return r.replace(SIGNED_TIMESTAMP, '$1*') === recorded.replace(SIGNED_TIMESTAMP, '$1*');
}
