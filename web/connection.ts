/**
 * The dashboard's one WebSocket back to the server it was loaded from (the protocol of docs/server.md), with the
 * token handling in one place and a capped, jittered reconnect. Commands are sent per stream, so one refused stream
 * does not refuse the others.
 */

/** The token the page was opened with: `#token=T` (never sent to the server by the browser) or `?token=T`. */
export function pageToken(loc: Location): string | undefined {
  const fromHash = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  return fromHash ?? new URLSearchParams(loc.search).get('token') ?? undefined;
}

/**
 * Where and how to connect with `token`. The one place that knows how the server takes a token from a browser
 * (which cannot set an `Authorization` header on a WebSocket): the subprotocol `tickwire.token.T`, kept out of URLs
 * and so out of logs and history (docs/server.md); `?token=T` only for a token a subprotocol cannot carry.
 */
export function socketTarget(loc: Location, token: string | undefined): { url: string; protocols: string[] } {
  const base = `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/`;
  if (token === undefined) return { url: base, protocols: [] };
  if (/^[A-Za-z0-9\-._~]+$/.test(token)) return { url: base, protocols: ['tickwire', `tickwire.token.${token}`] };
  return { url: `${base}?token=${encodeURIComponent(token)}`, protocols: [] };
}

/** Headers for the server's JSON routes (`/streams`). */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

export interface ServerMessage {
  type?: string;
  stream?: string;
  [k: string]: unknown;
}

export interface ConnectionHandlers {
  onMessage(m: ServerMessage): void;
  onState(state: 'connecting' | 'open' | 'closed', detail: string): void;
  /** Called on every (re)connect: the streams to (re)subscribe. */
  streams(): string[];
}

export class ServerConnection {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly loc: Location,
    private readonly token: string | undefined,
    private readonly h: ConnectionHandlers,
  ) {}

  start(): void {
    const { url, protocols } = socketTarget(this.loc, this.token);
    this.h.onState('connecting', url.replace(/\?token=.*/, ''));
    const ws = new WebSocket(url, protocols);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.h.onState('open', url.replace(/\?token=.*/, ''));
      for (const s of this.h.streams()) this.subscribe(s);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let m: unknown;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (typeof m === 'object' && m !== null) this.h.onMessage(m as ServerMessage);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const why = ev.code === 1006 ? 'connection lost' : `closed ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`;
      if (this.stopped) return;
      // capped exponential backoff with jitter: 0.5 s, 1 s, 2 s … 10 s
      const delay = Math.min(10_000, 500 * 2 ** Math.min(this.attempt++, 5)) * (0.5 + Math.random() / 2);
      this.h.onState('closed', `${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
      this.timer = setTimeout(() => this.start(), delay);
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.ws?.close(1000, 'page closed');
  }

  private send(cmd: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ ...cmd, id: this.nextId++ }));
  }

  /** Book streams always as snapshot + deltas (`top: 0`), whatever the server's `--top` default. */
  subscribe(stream: string): void {
    this.send(stream.endsWith('@book') ? { op: 'subscribe', streams: [stream], top: 0 } : { op: 'subscribe', streams: [stream] });
  }

  unsubscribe(stream: string): void {
    this.send({ op: 'unsubscribe', streams: [stream] });
  }
}
