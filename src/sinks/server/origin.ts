/**
 * Which browser origins may open a WebSocket to the server. A browser sends `Origin` with every WebSocket upgrade
 * and lets any page open any ws:// URL, so without this check any web page could drive the server (and its upstream
 * subscriptions). Allowed: requests without `Origin` (non-browser clients), the server's own loopback origins (pages
 * it serves itself: http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT, and http://HOST:PORT of a
 * specific bound address), and the configured `allowOrigins`. The `Host` header is not trusted (DNS rebinding: a
 * hostile name resolving to 127.0.0.1 makes a hostile page "same-origin").
 */

/** `scheme://host[:port]` in the browser's serialization (lower case, default port dropped); the input when not a URL. */
export function normalizeOrigin(o: string): string {
  try {
    const u = new URL(o);
    return u.origin === 'null' ? o.toLowerCase() : u.origin;
  } catch {
    return o.toLowerCase();
  }
}

/** The origins of pages served by this server on `host:port`. */
export function ownOrigins(host: string, port: number): string[] {
  const hosts = ['127.0.0.1', 'localhost', '[::1]'];
  if (host !== '0.0.0.0' && host !== '::') hosts.push(host.includes(':') ? `[${host}]` : host);
  return hosts.map((h) => normalizeOrigin(`http://${h}:${port}`));
}

/** A check of an upgrade's `Origin` header (undefined when absent). */
export function originChecker(allowed: Iterable<string>): (origin: string | undefined) => boolean {
  const set = new Set([...allowed].map(normalizeOrigin));
  return (origin) => origin === undefined || set.has(normalizeOrigin(origin));
}
