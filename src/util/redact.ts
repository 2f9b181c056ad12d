/**
 * Redaction of credentials, in one place. URLs as a log line, an error or a recording may hold them: the userinfo of `scheme://user:password@host` (a proxy's
 * or gateway's basic auth in an `--endpoint`) and credential-named query parameters become `[Redacted]`.
 */

export const REDACTED = '[Redacted]';

/** Field names that may carry a credential, in any exchange's messages (matched whole, case-insensitively). */
export const SECRET_NAMES = [
  'key',
  'api_?key',
  'access_?key',
  'secret',
  'api_?secret',
  'passphrase',
  'password',
  'signature',
  'sign',
  'jwt',
  'token',
  'auth',
  'authorization',
  'private_?key',
].join('|');

/** `name=value` in a query string. */
const SECRET_PARAMS = new RegExp(`([?&](?:${SECRET_NAMES})=)[^&#]*`, 'gi');
/** `scheme://user:password@` (a proxy's or a gateway's basic auth in an `--endpoint` URL). */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/** A URL as a recording (or a log line or an error) may hold it: no userinfo, no secret query parameter. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, `$1${REDACTED}@`).replace(SECRET_PARAMS, `$1${REDACTED}`);
}

/**
 * pino `redact` paths for every tickwire logger: each field that can hold a credential (Coinbase Exchange `key`,
 * `secret`, `passphrase`, `signature`; Advanced Trade `jwt`, `privateKey`), in config objects and in parsed subscribe
 * messages. An adapter with credentials adds its field names here (and to SECRET_NAMES above). Outgoing frames are
 * strings, which pino cannot redact: nothing logs them, and the recorder writes them through `redactFrame`
 * (src/record/redact.ts).
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'key',
  'secret',
  'passphrase',
  'signature',
  'jwt',
  'privateKey',
  '*.key',
  '*.secret',
  '*.passphrase',
  '*.signature',
  '*.jwt',
  '*.privateKey',
  '*.*.key',
  '*.*.secret',
  '*.*.passphrase',
  '*.*.privateKey',
];
