/**
 * Token check for HTTP requests and WebSocket upgrades. The token may come as
 * - `Authorization: Bearer T` (non-browser clients),
 * - the subprotocol `tickwire.token.T` in `Sec-WebSocket-Protocol` (what a browser's `new WebSocket(url, protocols)`
 *   can send; the server answers with the subprotocol `tickwire` when offered, see `selectProtocol`),
 * - `?token=T` in the URL (weaker: URLs end up in shell history, proxy and browser logs).
 * Compared in constant time (both sides hashed to equal length first); never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The subprotocol the server speaks, and the prefix of the token-carrying one. */
export const PROTOCOL = 'tickwire';
export const TOKEN_PROTOCOL_PREFIX = 'tickwire.token.';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  if (typeof h !== 'string') return [];
  return h.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/** The token a request carries (header, then subprotocol, then query), if any. */
function givenToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string' && /^Bearer\s+/i.test(h)) return h.replace(/^Bearer\s+/i, '').trim();
  const p = offeredProtocols(req).find((x) => x.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (p !== undefined) return p.slice(TOKEN_PROTOCOL_PREFIX.length);
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
}

export function tokenChecker(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  const want = digest(token);
  return (req) => {
    const given = givenToken(req);
    return given !== undefined && timingSafeEqual(digest(given), want);
  };
}

/**
 * The subprotocol to answer an upgrade with: `tickwire` when offered, else the token subprotocol when that was the
 * only one we speak (a browser fails a connection whose offered protocols get no answer), else none.
 */
export function selectProtocol(offered: Set<string>): string | false {
  if (offered.has(PROTOCOL)) return PROTOCOL;
  for (const p of offered) if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) return p;
  return false;
}
