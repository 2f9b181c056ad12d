/**
 * Coinbase credentials: the Exchange HMAC signature against vectors computed outside tickwire with openssl
 * (commands in fixtures/README.md), the Advanced Trade ES256 JWT verified with the public key, loading rules,
 * and that no secret ever reaches an error message or a logged frame.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TwError } from '../../src/errors.js';
import {
  ENV,
  createJwtSigner,
  exchangeSignature,
  loadAdvancedTradeCredentials,
  loadExchangeCredentials,
} from '../../src/exchanges/coinbase/auth.js';
import { redactFrame } from '../../src/record/redact.js';
import { LOG_REDACT_PATHS } from '../../src/util/redact.js';
import { createExchangeFeedAdapter } from '../../src/exchanges/coinbase/exchange.js';
import { createAdvancedTradeAdapter } from '../../src/exchanges/coinbase/advanced-trade.js';

/** Vectors from `openssl dgst -sha256 -mac HMAC -macopt hexkey:…` (fixtures/README.md, Coinbase section). */
const VECTORS = [
  {
    secret: 'dGlja3dpcmUtdGVzdC1zZWNyZXQtbm90LWEtcmVhbC1rZXk=',
    timestamp: '1700000000',
    signature: 'rppn11Vtrp8612DWFKHmTSwXiWiPMNMm2KKWT8erWhk=',
  },
  {
    // 64 bytes that are not UTF-8: proves the secret is base64-decoded to raw bytes, not used as text
    secret: 'yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8AAQIDBAUGBw==',
    timestamp: '1618677817',
    signature: 'qcw2q4XxErf8a7KHRFLSRBN0cWcKkjt6h5zrHzTyW5s=',
  },
];

const CTX = { bookDepth: 1000, instruments: new Map() };

describe('Coinbase Exchange HMAC signature', () => {
  it.each(VECTORS)('matches openssl for timestamp $timestamp', ({ secret, timestamp, signature }) => {
    expect(exchangeSignature(secret, timestamp)).toBe(signature);
  });

  it('the signed subscribe message carries signature, key, passphrase and timestamp (epoch seconds)', () => {
    const v = VECTORS[1]!;
    const adapter = createExchangeFeedAdapter({
      credentials: { key: 'k-123', secret: v.secret, passphrase: 'pp-456' },
      now: () => Number(v.timestamp) * 1000 + 999,
    });
    const [msg] = adapter.subscribe([{ market: 'BTC-USD', channel: 'book' }], CTX, () => 1);
    expect(JSON.parse(msg!)).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USD'],
      channels: ['level2', 'heartbeat'],
      signature: v.signature,
      key: 'k-123',
      passphrase: 'pp-456',
      timestamp: v.timestamp,
    });
    // what the recorder writes has none of it (the end-to-end proof: test/record/credentials.test.ts)
    const logged = redactFrame(msg!);
    for (const secret of [v.signature, 'k-123', 'pp-456']) expect(logged).not.toContain(secret);
    expect(JSON.parse(logged)).toMatchObject({ channels: ['level2', 'heartbeat'], key: '[Redacted]' });
  });

  it('keyless: level2_batch, no auth fields', () => {
    const adapter = createExchangeFeedAdapter();
    const msgs = adapter.subscribe(
      [
        { market: 'BTC-USD', channel: 'book' },
        { market: 'ETH-USD', channel: 'book' },
        { market: 'BTC-USD', channel: 'trades' },
      ],
      CTX,
      () => 1,
    );
    expect(msgs.map((m) => JSON.parse(m) as unknown)).toEqual([
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channels: ['level2_batch', 'heartbeat'] },
      { type: 'subscribe', product_ids: ['BTC-USD'], channels: ['matches', 'heartbeat'] },
    ]);
  });
});

describe('Coinbase credentials loading', () => {
  const secret = VECTORS[0]!.secret;
  const noFile = (): string => {
    throw new Error('no file');
  };

  it('from the three environment variables', () => {
    const env = { [ENV.exchangeKey]: 'k', [ENV.exchangeSecret]: secret, [ENV.exchangePassphrase]: 'p' };
    expect(loadExchangeCredentials(env, noFile)).toEqual({ key: 'k', secret, passphrase: 'p' });
    expect(loadExchangeCredentials({}, noFile)).toBeUndefined();
  });

  it('a partial set fails naming the variables, never echoing a value', () => {
    const env = { [ENV.exchangeKey]: 'KEY-VALUE-XYZ', [ENV.exchangeSecret]: secret };
    let err: unknown;
    try {
      loadExchangeCredentials(env, noFile);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TwError);
    expect((err as TwError).code).toBe('TW_ERR_CONFIG');
    expect((err as TwError).message).toContain(ENV.exchangePassphrase);
    expect(JSON.stringify(err) + String(err)).not.toContain('KEY-VALUE-XYZ');
    expect(JSON.stringify(err) + String(err)).not.toContain(secret);
  });

  it('a secret that is not base64 fails without echoing it', () => {
    const env = { [ENV.exchangeKey]: 'k', [ENV.exchangeSecret]: 'not base64 !!', [ENV.exchangePassphrase]: 'p' };
    expect(() => loadExchangeCredentials(env, noFile)).toThrow(/not base64/);
    try {
      loadExchangeCredentials(env, noFile);
    } catch (e) {
      expect(String(e)).not.toContain('not base64 !!');
    }
  });

  it('from a secrets file; a broken file is reported without its content', () => {
    const file = JSON.stringify({
      'coinbase-exchange': { key: 'fk', secret, passphrase: 'fp' },
      coinbase: { keyName: 'organizations/o/apiKeys/k', privateKey: 'PEM' },
    });
    const env = { [ENV.secretsFile]: '/secrets.json' };
    expect(loadExchangeCredentials(env, () => file)).toEqual({ key: 'fk', secret, passphrase: 'fp' });
    expect(loadAdvancedTradeCredentials(env, () => file)).toEqual({ keyName: 'organizations/o/apiKeys/k', privateKey: 'PEM' });
    const broken = `{"coinbase-exchange":{"secret":"${secret}"`;
    try {
      loadExchangeCredentials(env, () => broken);
      expect.unreachable();
    } catch (e) {
      expect((e as TwError).code).toBe('TW_ERR_CONFIG');
      expect(String(e)).not.toContain(secret);
    }
  });

  it('redaction paths cover every credential field name', () => {
    for (const f of ['key', 'secret', 'passphrase', 'signature', 'jwt', 'privateKey']) {
      expect(LOG_REDACT_PATHS).toContain(f);
      expect(LOG_REDACT_PATHS).toContain(`*.${f}`);
    }
  });
});

describe('Coinbase Advanced Trade JWT (ES256)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const keyName = 'organizations/org-1/apiKeys/key-1';

  it('signs a JWT that verifies with the public key, with the CDP header and claims', () => {
    const sign = createJwtSigner({ keyName, privateKey: pem }, () => 'abc123');
    const jwt = sign(1_700_000_000_500);
    const [h, p, s] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'ES256', kid: keyName, nonce: 'abc123', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({
      iss: 'cdp',
      nbf: 1_700_000_000,
      exp: 1_700_000_120,
      sub: keyName,
    });
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    expect(ok).toBe(true);
  });

  it('every subscribe message gets its own fresh JWT; the recorded form has none', () => {
    let nonce = 0;
    let now = 1_700_000_000_000;
    const adapter = createAdvancedTradeAdapter({
      credentials: { keyName, privateKey: pem },
      now: () => (now += 1000),
      nonce: () => String(++nonce),
    });
    const msgs = adapter.subscribe([{ market: 'BTC-USD', channel: 'book' }], CTX, () => 1);
    const jwts = msgs.map((m) => (JSON.parse(m) as { jwt: string }).jwt);
    expect(new Set(jwts).size).toBe(msgs.length);
    for (const m of msgs) expect(redactFrame(m)).not.toContain((JSON.parse(m) as { jwt: string }).jwt);
  });

  it('a key that is not a PEM key fails fast without echoing it', () => {
    expect(() => createJwtSigner({ keyName, privateKey: 'SECRET-NOT-PEM' })).toThrow(TwError);
    try {
      createJwtSigner({ keyName, privateKey: 'SECRET-NOT-PEM' });
    } catch (e) {
      expect(String(e)).not.toContain('SECRET-NOT-PEM');
    }
  });

  it('redactFrame keeps everything else byte-identical', () => {
    const frame = '{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2","jwt":"a.b.c"}';
    expect(redactFrame(frame)).toBe('{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2","jwt":"[Redacted]"}');
  });
});

describe('the CLI logger redacts credentials', () => {
  it('every credential field, top level and nested, is censored', async () => {
    const { default: pino } = await import('pino');
    const { loggerOptions } = await import('../../src/cli/args.js');
    const lines: string[] = [];
    const log = pino(loggerOptions('info'), { write: (s: string) => lines.push(s) });
    const secret = VECTORS[0]!.secret;
    log.info({ credentials: { key: 'K1', secret, passphrase: 'P1' }, jwt: 'a.b.c', msg: { signature: 'SIG' } }, 'subscribing');
    expect(lines).toHaveLength(1);
    for (const s of ['K1', secret, 'P1', 'a.b.c', 'SIG']) expect(lines[0]).not.toContain(s);
    expect(lines[0]).toContain('[Redacted]');
  });
});

describe('adaptersFromEnv', () => {
  const noFile = (): string => {
    throw new Error('no file');
  };
  const ref = [{ market: 'BTC-USD', channel: 'book' as const }];

  it('no adapter without credentials: the hub loads the keyless one (level2_batch)', async () => {
    const { adaptersFromEnv, loadAdapter } = await import('../../src/exchanges/registry.js');
    expect(await adaptersFromEnv({}, noFile)).toEqual({});
    expect(JSON.parse((await loadAdapter('coinbase-exchange')).subscribe(ref, CTX, () => 1)[0]!)).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USD'],
      channels: ['level2_batch', 'heartbeat'],
    });
  });

  it('the signed adapter of the credentials given (level2), only that one', async () => {
    const { adaptersFromEnv } = await import('../../src/exchanges/registry.js');
    const env = { [ENV.exchangeKey]: 'k', [ENV.exchangeSecret]: VECTORS[0]!.secret, [ENV.exchangePassphrase]: 'p' };
    const got = await adaptersFromEnv(env, noFile);
    expect(Object.keys(got)).toEqual(['coinbase-exchange']);
    const signed = JSON.parse(got['coinbase-exchange']!.subscribe(ref, CTX, () => 1)[0]!) as Record<string, unknown>;
    expect(signed).toMatchObject({ channels: ['level2', 'heartbeat'], key: 'k', passphrase: 'p' });
    expect(typeof signed['signature']).toBe('string');
  });

  it('rejects a partial set', async () => {
    const { adaptersFromEnv } = await import('../../src/exchanges/registry.js');
    await expect(adaptersFromEnv({ [ENV.exchangeKey]: 'k' }, noFile)).rejects.toMatchObject({ code: 'TW_ERR_CONFIG' });
  });
});
