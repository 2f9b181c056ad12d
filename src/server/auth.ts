/** Bearer-token check for HTTP requests and WebSocket upgrades (`Authorization: Bearer T` or `?token=T`). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function tokenChecker(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  const want = digest(token);
  return (req) => {
    const h = req.headers.authorization;
    let given: string | undefined;
    if (typeof h === 'string' && /^Bearer\s+/i.test(h)) given = h.replace(/^Bearer\s+/i, '').trim();
    if (given === undefined) {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      if (q !== null) given = q;
    }
    return given !== undefined && timingSafeEqual(digest(given), want);
  };
}
