/**
 * Credentials never reach a recording, a log line or stdout: `tickwire stream --record` of both Coinbase feeds
 * on the simulator, with fake credentials in the environment (the signed Exchange `level2` subscribe and the
 * Advanced Trade JWTs really go out), then every secret string is searched for in the decompressed recording,
 * stderr (trace level) and stdout. The recording is created 0600 (also over an existing 0644 file) and still
 * replays exactly what was printed, without a divergence.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exchangeSignature, ENV } from '../../src/exchanges/coinbase/auth.js';
import { SIM_COINBASE_EXCHANGE_CREDENTIALS as SIM } from '../../src/sim/coinbase-exchange-auth.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-creds-'));
let run: CliRun | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  run = undefined;
  await sim?.close();
  sim = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL = 1_000_000;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const keyName = 'organizations/tw-test-org-4471/apiKeys/tw-test-key-9032';
const env = {
  [ENV.exchangeKey]: SIM.key,
  [ENV.exchangeSecret]: SIM.secret,
  [ENV.exchangePassphrase]: SIM.passphrase,
  [ENV.atKeyName]: keyName,
  [ENV.atPrivateKey]: pem,
};
/** The lines of the PEM's base64 body: any of them in a file is a leak. */
const pemLines = pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

function leaks(text: string, extra: string[]): string[] {
  const secrets = [SIM.key, SIM.secret, SIM.passphrase, keyName, 'tw-test-key-9032', ...pemLines, ...extra];
  const found = secrets.filter((s) => text.includes(s));
  if (JWT.test(text)) found.push(`a JWT: ${JWT.exec(text)![0].slice(0, 20)}…`);
  return found;
}

const isLive = (exchange: string) => (l: string): boolean =>
  l.includes('"type":"status"') && l.includes(`"exchange":"${exchange}"`) && l.includes('"channel":"book"') && l.includes('"state":"live"');

describe('credentials never recorded (tickwire stream --record, both Coinbase feeds, fake keys)', () => {
  it('sent frames are redacted, the file is 0600, logs and stdout hold no secret, and it replays', async () => {
    const file = join(dir, 'signed.ndjson.gz');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644); // a file left by someone else: its mode must not survive
    run = runCli(
      ['stream', 'coinbase-exchange:BTC/USD', 'coinbase:BTC/USD', '--sim', '--record', file, '--log-level', 'trace'],
      { env },
    );
    const r = run;
    await r.lines(0, (_l, all) => all.some(isLive('coinbase-exchange')) && all.some(isLive('coinbase')) && all.length >= 40, 20_000);
    r.child.kill('SIGINT');
    expect(await r.exit).toEqual({ code: 0, signal: null });
    const live = await r.lines(ALL);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const sent = records.filter((x) => x['k'] === 'sent').map((x) => ({ x: x['x'] as string, d: JSON.parse(x['d'] as string) as Record<string, unknown> }));
    // the signed subscribes really went out (level2 needs them), and are in the file redacted
    const signed = sent.filter((s) => s.x === 'coinbase-exchange' && s.d['signature'] !== undefined);
    expect(signed.length).toBeGreaterThan(0);
    for (const s of signed) expect(s.d).toMatchObject({ key: '[Redacted]', passphrase: '[Redacted]', signature: '[Redacted]' });
    const jwts = sent.filter((s) => s.x === 'coinbase' && s.d['jwt'] !== undefined);
    expect(jwts.length).toBeGreaterThan(0);
    for (const s of jwts) expect(s.d['jwt']).toBe('[Redacted]');
    // the signatures that went out, recomputed from the recorded timestamps (independent of the redaction)
    const signatures = signed.map((s) => exchangeSignature(SIM.secret, s.d['timestamp'] as string));
    expect(leaks(text, signatures)).toEqual([]);
    expect(leaks(r.stderr(), signatures)).toEqual([]);
    expect(leaks(live.join('\n'), signatures)).toEqual([]);
    expect(r.stderr()).toContain('"msg":"recording closed"');

    // replay needs none of it: the same lines, no divergence warning
    const rp = runCli(['replay', file], { env });
    expect((await rp.exit).code).toBe(0);
    expect(rp.stderr()).toBe('');
    expect(await rp.lines(ALL)).toEqual(live);
  }, 45_000);

  it('userinfo in an --endpoint URL (a proxy\'s basic auth) reaches no recording, status event or log line', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 5, intervalMs: 20 });
    const ep = sim.endpoints.binance!;
    const password = 'hunter2-tw-7731';
    const withAuth = (origin: string): string => origin.replace('://', `://tw-proxy-user:${password}@`);
    const file = join(dir, 'userinfo.ndjson.gz');
    run = runCli([
      'stream', 'binance:BTC/USDT', '--endpoint', `binance=${withAuth(ep.ws)},${withAuth(ep.rest)}`,
      '--record', file, '--log-level', 'trace',
    ]);
    const r = run;
    // the credentials were usable (the REST snapshot and the socket both went through them): the book went live
    await r.lines(0, (_l, all) => all.some(isLive('binance')) && all.length >= 20, 20_000);
    r.child.kill('SIGINT');
    expect(await r.exit).toEqual({ code: 0, signal: null });
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const out = (await r.lines(ALL)).join('\n');
    for (const where of [text, r.stderr(), out]) {
      expect(where.includes(password)).toBe(false);
      expect(where.includes('tw-proxy-user')).toBe(false);
    }
    // what the header keeps says there was something there
    expect(text.split('\n')[0]).toContain('[Redacted]@127.0.0.1');
  }, 45_000);
});
