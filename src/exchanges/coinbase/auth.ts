/**
 * Coinbase credentials: loaded only from environment variables or a secrets file, never logged, never echoed in
 * errors. Two kinds:
 * - Exchange (`coinbase-exchange`, docs/protocols/coinbase.md#exchange): key + base64 secret + passphrase; the subscribe message
 *   carries `signature = base64(HMAC-SHA256(base64decode(secret), timestamp + "GET" + "/users/self/verify"))`.
 * - Advanced Trade (`coinbase`, coinbase.md#advanced-trade): a CDP API key name + EC P-256 private key (PEM); each subscribe message
 *   carries a fresh ES256 JWT.
 */
import { createHmac, createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TwError } from '../../errors.js';

export interface ExchangeCredentials {
  key: string;
  secret: string;
  passphrase: string;
}

export interface AdvancedTradeCredentials {
  /** `organizations/{org}/apiKeys/{key}`. */
  keyName: string;
  /** EC P-256 private key, PEM. */
  privateKey: string;
}

export const ENV = {
  exchangeKey: 'TICKWIRE_COINBASE_EXCHANGE_KEY',
  exchangeSecret: 'TICKWIRE_COINBASE_EXCHANGE_SECRET',
  exchangePassphrase: 'TICKWIRE_COINBASE_EXCHANGE_PASSPHRASE',
  atKeyName: 'TICKWIRE_COINBASE_KEY_NAME',
  atPrivateKey: 'TICKWIRE_COINBASE_PRIVATE_KEY',
  /** Path of a JSON secrets file: `{"coinbase-exchange":{key,secret,passphrase},"coinbase":{keyName,privateKey}}`. */
  secretsFile: 'TICKWIRE_SECRETS_FILE',
} as const;

const SecretsFile = z.object({
  'coinbase-exchange': z.object({ key: z.string(), secret: z.string(), passphrase: z.string() }).optional(),
  coinbase: z.object({ keyName: z.string(), privateKey: z.string() }).optional(),
});
type SecretsFile = z.infer<typeof SecretsFile>;

type Env = Readonly<Record<string, string | undefined>>;
type ReadFile = (path: string) => string;

function readSecrets(env: Env, readFile: ReadFile): SecretsFile {
  const path = env[ENV.secretsFile];
  if (path === undefined || path === '') return {};
  let text: string;
  try {
    text = readFile(path);
  } catch {
    throw new TwError('TW_ERR_CONFIG', `cannot read the secrets file named by ${ENV.secretsFile}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // never include the text: it is full of secrets
    throw new TwError('TW_ERR_CONFIG', `the secrets file named by ${ENV.secretsFile} is not valid JSON`);
  }
  const parsed = SecretsFile.safeParse(json);
  if (!parsed.success) {
    throw new TwError('TW_ERR_CONFIG', `the secrets file named by ${ENV.secretsFile} has an unexpected shape`);
  }
  return parsed.data;
}

const defaultRead: ReadFile = (p) => readFileSync(p, 'utf8');

/**
 * Exchange credentials from the environment (all three variables), else from the secrets file; undefined when
 * neither has them. A partial set fails fast naming the missing variables, never their values.
 */
export function loadExchangeCredentials(env: Env, readFile: ReadFile = defaultRead): ExchangeCredentials | undefined {
  const key = env[ENV.exchangeKey];
  const secret = env[ENV.exchangeSecret];
  const passphrase = env[ENV.exchangePassphrase];
  const given = [key, secret, passphrase].filter((v) => v !== undefined && v !== '').length;
  if (given === 3) {
    const creds = { key: key!, secret: secret!, passphrase: passphrase! };
    checkSecret(creds.secret);
    return creds;
  }
  if (given > 0) {
    throw new TwError(
      'TW_ERR_CONFIG',
      `Coinbase Exchange credentials need all of ${ENV.exchangeKey}, ${ENV.exchangeSecret}, ${ENV.exchangePassphrase}`,
    );
  }
  const fromFile = readSecrets(env, readFile)['coinbase-exchange'];
  if (fromFile !== undefined) checkSecret(fromFile.secret);
  return fromFile;
}

/** Advanced Trade credentials from the environment (both variables), else from the secrets file. */
export function loadAdvancedTradeCredentials(
  env: Env,
  readFile: ReadFile = defaultRead,
): AdvancedTradeCredentials | undefined {
  const keyName = env[ENV.atKeyName];
  const privateKey = env[ENV.atPrivateKey];
  if (keyName && privateKey) return { keyName, privateKey: privateKey.replace(/\\n/g, '\n') };
  if (keyName || privateKey) {
    throw new TwError('TW_ERR_CONFIG', `Coinbase credentials need both ${ENV.atKeyName} and ${ENV.atPrivateKey}`);
  }
  return readSecrets(env, readFile).coinbase;
}

function checkSecret(secret: string): void {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length % 4 !== 0) {
    throw new TwError('TW_ERR_CONFIG', 'the Coinbase Exchange secret is not base64');
  }
}

/** The Exchange subscribe signature for `timestamp` (epoch seconds as sent in the message). */
export function exchangeSignature(secretBase64: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secretBase64, 'base64'))
    .update(`${timestamp}GET/users/self/verify`)
    .digest('base64');
}

/** The four fields added to an authenticated Exchange subscribe message. */
export function exchangeAuthFields(
  creds: ExchangeCredentials,
  nowMs: number,
): { signature: string; key: string; passphrase: string; timestamp: string } {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { signature: exchangeSignature(creds.secret, timestamp), key: creds.key, passphrase: creds.passphrase, timestamp };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A signer of Coinbase Developer Platform JWTs (ES256) for Advanced Trade WebSocket subscribes: header
 * `{alg, kid: keyName, nonce, typ}`, payload `{iss: "cdp", nbf, exp: nbf + 120, sub: keyName}` (no `uri` claim for
 * WebSocket). The key is parsed once; a bad key fails fast without echoing it.
 */
export function createJwtSigner(
  creds: AdvancedTradeCredentials,
  nonce: () => string = () => randomBytes(16).toString('hex'),
): (nowMs: number) => string {
  let key: KeyObject;
  try {
    key = createPrivateKey(creds.privateKey);
  } catch {
    throw new TwError('TW_ERR_CONFIG', 'the Coinbase private key is not a valid PEM key');
  }
  if (key.asymmetricKeyType !== 'ec') throw new TwError('TW_ERR_CONFIG', 'the Coinbase private key is not an EC key');
  const keyName = creds.keyName;
  return (nowMs: number) => {
    const nbf = Math.floor(nowMs / 1000);
    const header = base64url(JSON.stringify({ alg: 'ES256', kid: keyName, nonce: nonce(), typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ iss: 'cdp', nbf, exp: nbf + 120, sub: keyName }));
    const input = `${header}.${payload}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(sig)}`;
  };
}
