/**
 * The HTTP side of a simulator server: the exchange's REST paths (REST faults, delays, `Retry-After`) rendered by its
 * protocol, and the `/_sim/…` control endpoints (./control.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTROL_MAX_BODY, CONTROL_PREFIX, handleControl } from './control.js';
import { faultNumber } from './faults.js';
import type { RestRequest, RestResponse } from './protocol.js';
import type { SimServer } from './server.js';
import type { SimFault } from './types.js';

export async function serveHttp(server: SimServer, symbols: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const url = new URL(rawUrl, 'http://sim');
  if (url.pathname.startsWith(CONTROL_PREFIX)) return serveControl(server, symbols, req, res, url);
  const request: RestRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, url: rawUrl };
  let response: RestResponse;
  let fault: SimFault | undefined;
  try {
    fault = server.faults.takeRest();
    response = fault ? server.protocol.restFaultResponse(fault) : await server.protocol.handleRest(request);
  } catch (err) {
    response = { status: 500, body: { code: -1000, msg: `sim: ${err instanceof Error ? err.message : String(err)}` } };
  }
  response = withRetryAfter(response, fault);
  const delay = server.faults.takeRestDelay();
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  const headers = response.headers ?? {};
  server.logEntry({ kind: 'rest', data: rawUrl, status: response.status, headers });
  if (res.destroyed) return;
  res.writeHead(response.status, {
    'Content-Type': typeof response.body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** `/_sim/…` control endpoints (see ./control.ts): never subject to REST faults, bodies up to 16 KiB. */
async function serveControl(server: SimServer, symbols: readonly string[], req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > CONTROL_MAX_BODY) break;
    chunks.push(chunk);
  }
  const r =
    size > CONTROL_MAX_BODY
      ? { status: 413, body: { error: `body over ${CONTROL_MAX_BODY} bytes` } }
      : handleControl(
          {
            exchange: server.exchange,
            symbols,
            fault: (f) => server.fault(f),
            clearFaults: () => server.clearFaults(),
            activeFaults: () => server.faults.list(),
            trueBook: (s) => server.protocol.trueBook(s),
            trueBookAt: (s, id) => server.protocol.trueBookAt(s, id),
            pause: () => server.pause(),
            resume: () => server.resume(),
          },
          { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString() },
        );
  const body = JSON.stringify(r.body);
  server.logEntry({ kind: 'rest', data: req.url ?? '/', status: r.status });
  if (res.destroyed) return;
  res.writeHead(r.status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/**
 * 429/418 (and a ban rendered as 403) carry `Retry-After` (the fault's `retryAfterSec`, default 1) unless the fault
 * says `retryAfter: false`; a protocol's own header value wins.
 */
function withRetryAfter(response: RestResponse, fault: SimFault | undefined): RestResponse {
  if (!fault || (fault.kind !== 'rest-429' && fault.kind !== 'rest-418')) return response;
  const headers = { ...response.headers };
  if ((fault as Record<string, unknown>)['retryAfter'] === false) delete headers['Retry-After'];
  else headers['Retry-After'] ??= String(faultNumber(fault, 'retryAfterSec') ?? 1);
  return { ...response, headers };
}
