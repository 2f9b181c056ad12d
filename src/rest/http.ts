/** The REST transport seam: one GET, a whole text body back. The default uses node's http/https. */
import * as http from 'node:http';
import * as https from 'node:https';

export interface RestResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
}

export type HttpGet = (url: string, opts: { timeoutMs: number; signal?: AbortSignal }) => Promise<RestResponse>;

export interface NodeHttpGet extends HttpGet {
  /** Destroys the keep-alive sockets. */
  destroy(): void;
}

/** GET with node's http/https over a keep-alive agent of its own (destroyed by `destroy()`). */
export function nodeHttpGet(): NodeHttpGet {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 8 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 8 }),
  };
  const get = (url: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<RestResponse> =>
    new Promise<RestResponse>((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        reject(new Error(`unsupported protocol ${u.protocol}`));
        return;
      }
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.get(u, { agent: agents[u.protocol], signal: opts.signal, headers: { accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      // socket-level idle guard; the scheduler enforces the total deadline on its own clock and aborts via signal
      req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`)));
      req.on('error', reject);
    });
  return Object.assign(get, {
    destroy: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
