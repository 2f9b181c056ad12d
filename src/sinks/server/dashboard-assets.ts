/**
 * The dashboard's static files (`GET /` and `/dashboard/…`): a fixed table of URL paths to files — the built page
 * in `dist/web` and uPlot from the `uplot` package — so no request path ever reaches the file system (no traversal).
 * The files hold no data and no secret: they are served without the token; the data (the WebSocket, `/streams`)
 * needs it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

interface Asset {
  file: string;
  type: string;
}

/** Where the compiled page lives: `dist/web`, two levels up from `dist/sinks/server/` (this module, once built). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export interface DashboardAssets {
  /** Paths this table serves (exactly these). */
  readonly paths: readonly string[];
  /** Answer GET/HEAD for a path of the table; false when the path is not one of its files. */
  serve(path: string, req: IncomingMessage, res: ServerResponse): boolean;
}

export function dashboardAssets(webRoot: string = defaultWebRoot()): DashboardAssets {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot')); // node_modules/uplot/dist
  const js = 'text/javascript; charset=utf-8';
  const table = new Map<string, Asset>([
    ['/', { file: join(webRoot, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/dashboard/style.css', { file: join(webRoot, 'style.css'), type: 'text/css; charset=utf-8' }],
    ['/dashboard/favicon.svg', { file: join(webRoot, 'favicon.svg'), type: 'image/svg+xml' }],
    ['/dashboard/uPlot.iife.min.js', { file: join(uplotDir, 'uPlot.iife.min.js'), type: js }],
    ['/dashboard/uPlot.min.css', { file: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
  for (const m of ['app', 'book', 'connection', 'depth-chart', 'format', 'market', 'view']) {
    table.set(`/dashboard/${m}.js`, { file: join(webRoot, `${m}.js`), type: js });
  }
  const cache = new Map<string, Buffer>();
  return {
    paths: [...table.keys()],
    serve(path, req, res) {
      const asset = table.get(path);
      if (asset === undefined) return false;
      const send = (body: Buffer): void => {
        res.writeHead(200, {
          'content-type': asset.type,
          'content-length': body.length,
          'cache-control': 'no-cache',
          ...SECURITY_HEADERS,
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      const cached = cache.get(asset.file);
      if (cached !== undefined) {
        send(cached);
        return true;
      }
      readFile(asset.file).then(
        (body) => {
          cache.set(asset.file, body);
          send(body);
        },
        () => {
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end('tickwire serve: the dashboard is not built (npm run build)\n');
        },
      );
      return true;
    },
  };
}
