/**
 * The dashboard's static files on the server's port: exactly the table's paths, with their content types, GET and
 * HEAD only, served without the token (they hold no data) while /streams and the WebSocket still need it, and no
 * path outside the table — traversal attempts included — ever reaches the file system.
 */
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerHarness, type ServerHarness } from './server-harness.js';

const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url)); // built by `npm test` / `npm run build`
const TOKEN = 'correct-horse-battery';
let h: ServerHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A raw request: the path is sent exactly as given (no client-side `..` normalization). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard assets', () => {
  it('serves the page, its modules, styles and uPlot with proper types; HEAD has the length and no body', async () => {
    h = await startServerHarness({ server: { token: TOKEN, webRoot: WEB_ROOT, offer: ['binance:ETH/USDT'] } });
    const port = h.server.port;
    const page = await raw(port, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'.*connect-src 'self'/);
    // every file the page references is served, with its type
    const refs = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => `/${m[1]}`);
    expect(refs).toEqual(expect.arrayContaining(['/dashboard/app.js', '/dashboard/uPlot.iife.min.js', '/dashboard/style.css']));
    for (const ref of refs) {
      const r = await raw(port, 'GET', ref);
      expect(r.status, ref).toBe(200);
      expect(r.headers['content-type'], ref).toMatch(
        ref.endsWith('.js') ? /^text\/javascript/ : ref.endsWith('.css') ? /^text\/css/ : /^image\/svg\+xml$/,
      );
    }
    // the modules app.js imports (transitively) are all in the table
    const app = await raw(port, 'GET', '/dashboard/app.js');
    for (const m of app.body.matchAll(/from '\.\/([a-z-]+\.js)'/g)) expect((await raw(port, 'GET', `/dashboard/${m[1]}`)).status, m[1]).toBe(200);
    const head = await raw(port, 'HEAD', '/dashboard/uPlot.iife.min.js');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(10_000);
    expect(head.body).toBe('');
  });

  it('refuses other methods, traversal and unknown paths; /streams needs the token and lists the offered markets', async () => {
    h = await startServerHarness({ server: { token: TOKEN, webRoot: WEB_ROOT, offer: ['binance:ETH/USDT'] } });
    const port = h.server.port;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await raw(port, 'POST', '/', auth)).status).toBe(405);
    expect((await raw(port, 'PUT', '/dashboard/app.js', auth)).headers['allow']).toBe('GET, HEAD');
    for (const path of [
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/dashboard/',
      '/dashboard/tsconfig.json',
      '/index.html',
      '//etc/passwd',
    ]) {
      const r = await raw(port, 'GET', path, auth);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toMatch(/"name"|root:/);
    }
    expect((await raw(port, 'GET', '/streams')).status).toBe(401);
    const pinned = await h.server.registry.pin({ key: 'binance:BTC/USDT@book', exchange: 'binance', symbol: 'BTC/USDT', channel: 'book' });
    expect(pinned).toBe(true);
    const list = await raw(port, 'GET', '/streams', auth);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ markets: ['binance:ETH/USDT', 'binance:BTC/USDT'], streams: ['binance:BTC/USDT@book'] });
  });
});
