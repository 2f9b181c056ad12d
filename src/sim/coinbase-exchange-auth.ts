/**
 * The Coinbase Exchange feed's signed subscribe (docs/protocols/coinbase.md#exchange), checked by the simulator
 * independently of tickwire's client code: `signature` = base64 HMAC-SHA256 of `timestamp + "GET" +
 * "/users/self/verify"` with the base64-decoded secret, plus `key`, `passphrase`, and `timestamp` within 30 s.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The simulator's own API credentials (test values; `tickwire sim` can print them). Secret is base64. */
export const SIM_COINBASE_EXCHANGE_CREDENTIALS = {
  key: 'sim-coinbase-exchange-key',
  secret: 'c2ltLWNvaW5iYXNlLWV4Y2hhbmdlLXNlY3JldC1ub3QtcmVhbA==',
  passphrase: 'sim-passphrase',
} as const;

/** Whether a subscribe command is signed with `creds`, at `nowSec` (epoch seconds). */
export function signedSubscribeOk(
  cmd: Record<string, unknown>,
  creds: { key: string; secret: string; passphrase: string },
  nowSec: number,
): boolean {
  const { signature, key, passphrase, timestamp } = cmd;
  if (typeof signature !== 'string' || typeof key !== 'string' || typeof passphrase !== 'string' || typeof timestamp !== 'string') return false;
  if (key !== creds.key || passphrase !== creds.passphrase) return false;
  const ts = Number(timestamp);
  if (!Number.isFinite(ts) || Math.abs(nowSec - ts) > 30) return false;
  const expected = createHmac('sha256', Buffer.from(creds.secret, 'base64')).update(`${timestamp}GET/users/self/verify`).digest();
  const got = Buffer.from(signature, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
