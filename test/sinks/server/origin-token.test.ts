/**
 * Browser origins and token forms at the upgrade: a foreign `Origin` is answered HTTP 403 before the upgrade (any web
 * page could otherwise drive the server), the server's own loopback origins and `allowOrigins` are accepted, clients
 * without `Origin` too; the token is accepted as a `tickwire.token.T` subprotocol (what browsers can send) with the
 * server answering the `tickwire` subprotocol.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServerHarness, type ServerHarness } from './server-harness.js';
import { runCli, serveUrl, type CliRun } from '../../helpers/cli.js';

const TOKEN = 'correct-horse-battery';
let h: ServerHarness | undefined;
let run: CliRun | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  run = undefined;
});

interface Upgrade {
  status: number;
  /** The subprotocol the server answered (when accepted). */
  protocol?: string;
}

function upgrade(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers ?? {} });
    ws.once('open', () => {
      resolve({ status: 101, protocol: ws.protocol });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('browser origins', () => {
  it('refuses foreign origins with 403 before the upgrade; accepts its own loopback origins and no Origin', async () => {
    h = await startServerHarness();
    const { url, port } = h.server;
    expect(await upgrade(url)).toMatchObject({ status: 101 });
    for (const origin of ['http://evil.example', 'https://evil.example', `http://localhost:${port + 1}`, 'null', `http://evil.example:${port}`]) {
      expect(await upgrade(url, { headers: { origin } }), origin).toEqual({ status: 403 });
    }
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://LOCALHOST:${port}`, `http://[::1]:${port}`]) {
      expect(await upgrade(url, { headers: { origin } }), origin).toMatchObject({ status: 101 });
    }
    expect(h.server.metrics.get('tickwire_server_rejected_total', { status: '403' })).toBe(5);
    // nothing was subscribed on a refused origin's behalf
    expect(h.server.registry.streams()).toEqual([]);
  });

  it('allowOrigins adds origins', async () => {
    h = await startServerHarness({ server: { allowOrigins: ['http://localhost:3000', 'https://dash.example/'] } });
    const { url } = h.server;
    expect(await upgrade(url, { headers: { origin: 'http://localhost:3000' } })).toMatchObject({ status: 101 });
    expect(await upgrade(url, { headers: { origin: 'https://dash.example' } })).toMatchObject({ status: 101 });
    expect(await upgrade(url, { headers: { origin: 'http://localhost:3001' } })).toEqual({ status: 403 });
  });

  it('tickwire serve --allow-origin (repeatable, comma lists); a bad origin is exit 2', async () => {
    run = runCli(['serve', '--port', '0', '--log-level', 'warn', '--allow-origin', 'http://a.test:1,http://b.test:2', '--allow-origin', 'http://c.test:3']);
    const url = await serveUrl(run);
    for (const origin of ['http://a.test:1', 'http://b.test:2', 'http://c.test:3']) {
      expect(await upgrade(url, { headers: { origin } }), origin).toMatchObject({ status: 101 });
    }
    expect(await upgrade(url, { headers: { origin: 'http://d.test:4' } })).toEqual({ status: 403 });
    run.child.kill('SIGTERM');
    await run.exit; // logs are flushed at exit
    expect(run.stderr()).toMatch(/origin that is not allowed/);
    expect(run.stderr()).toContain('"origin":"http://d.test:4"');
    run = runCli(['serve', '--port', '0', '--allow-origin', 'http://a.test/path']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/--allow-origin/);
  }, 30_000);
});

describe('token forms', () => {
  it('accepts the token as subprotocol tickwire.token.T and answers the subprotocol tickwire', async () => {
    h = await startServerHarness({ server: { token: TOKEN } });
    const { url } = h.server;
    expect(await upgrade(url, { protocols: ['tickwire', `tickwire.token.${TOKEN}`] })).toEqual({ status: 101, protocol: 'tickwire' });
    // offered alone, it is echoed (a browser fails a connection whose offered protocols get no answer)
    expect(await upgrade(url, { protocols: [`tickwire.token.${TOKEN}`] })).toEqual({ status: 101, protocol: `tickwire.token.${TOKEN}` });
    expect(await upgrade(url, { protocols: ['tickwire', 'tickwire.token.wrong-token-123'] })).toEqual({ status: 401 });
    expect(await upgrade(url, { protocols: ['tickwire'] })).toEqual({ status: 401 });
    // a good token does not let a foreign origin through: both must hold
    expect(await upgrade(url, { protocols: ['tickwire', `tickwire.token.${TOKEN}`], headers: { origin: 'http://evil.example' } })).toEqual({
      status: 403,
    });
  });

  it('never logs the token, whichever form it came in (debug logs of a CLI run)', async () => {
    run = runCli(['serve', '--port', '0', '--log-level', 'debug', '--token', TOKEN]);
    const url = await serveUrl(run);
    expect(await upgrade(`${url}/?token=${TOKEN}`)).toMatchObject({ status: 101 });
    expect(await upgrade(url, { headers: { authorization: `Bearer ${TOKEN}` } })).toMatchObject({ status: 101 });
    expect(await upgrade(url, { protocols: ['tickwire', `tickwire.token.${TOKEN}`] })).toMatchObject({ status: 101 });
    expect(await upgrade(`${url}/?token=${TOKEN}x`)).toEqual({ status: 401 });
    expect(await upgrade(url, { protocols: [`tickwire.token.${TOKEN}`], headers: { origin: 'http://evil.example' } })).toEqual({ status: 403 });
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    expect(run.stderr()).toMatch(/client connected/);
    expect(run.stderr()).not.toContain(TOKEN);
    expect(run.stderr()).not.toContain(TOKEN.slice(0, 8));
  }, 30_000);
});
