/**
 * Recording wraps the hub's dependencies — the live path itself is unchanged:
 * - `createConnection`: the real connection runs on the real clock and scheduler; every event it delivers (frame,
 *   sent frame, status) is recorded before the pipeline sees it.
 * - `http`: every REST call's outcome (response or error) is recorded, numbered in call order.
 * - `clock` / `scheduler`: the recorded time (the time of the input being handled) and numbered timers whose
 *   firings are recorded (see ./time.ts).
 * - `random`: seeded (the seed is in the header), so REST backoff jitter replays the same.
 * Credentials never reach the file: sent frames and REST URLs are recorded redacted (./redact.ts).
 */
import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import { splitMarketRef, type TickwireConfig } from '../config.js';
import { DEFAULT_ENDPOINTS } from '../exchanges/endpoints.js';
import type { HubDeps } from '../pipeline/hub.js';
import { createConnection as defaultCreateConnection, type Connection, type ConnectionEvent, type ConnectionOptions } from '../connection/index.js';
import { nodeHttpGet, type HttpGet } from '../rest/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { ExchangeId } from '../schema/events.js';
import type { GapInfo } from '../sinks/ndjson.js';
import { RECORDING_FORMAT, RECORDING_VERSION, keptHeaders, type InputRecord, type RecordLine } from './format.js';
import { RecordingScheduler, TimeCell } from './time.js';
import { RecordingWriter, type WriterOptions } from './writer.js';
import { seededRandom } from './random.js';
import { redactFrame, redactUrl } from './redact.js';

export interface RecordOptions extends WriterOptions {
  /** Output file, e.g. `session.ndjson.gz` (parts: `session.1.ndjson.gz`, …). */
  file: string;
}

export interface RecorderBase {
  scheduler?: SchedulerLike;
  clock?: Clock;
  logger?: Logger;
  createConnection?: (opts: ConnectionOptions) => Connection;
  http?: HttpGet;
}

export class Recorder {
  private readonly time: TimeCell;
  private readonly writer: RecordingWriter;
  private readonly realClock: Clock;
  private tickOpen = false;
  private restCalls = 0;
  private closed = false;
  private ownedHttp: (() => void) | undefined;
  /** Hub deps that record everything the pipeline receives. */
  readonly deps: HubDeps;

  constructor(
    config: TickwireConfig,
    opts: RecordOptions,
    base: RecorderBase = {},
  ) {
    this.realClock = base.clock ?? systemClock;
    const origin = this.realClock.nowMicros();
    this.time = new TimeCell(origin);
    const seed = origin % 2_147_483_647;
    this.writer = new RecordingWriter(
      opts.file,
      {
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        origin,
        seed,
        config: redactEndpoints(config),
        createdAt: new Date(Math.floor(origin / 1000)).toISOString(),
        tickwire: '0.1.0',
      },
      {
        ...opts,
        onError: (err) => {
          base.logger?.error({ err, file: opts.file }, 'recording failed; the stream goes on unrecorded');
          opts.onError?.(err);
        },
      },
    );
    const realScheduler = base.scheduler ?? asyncScheduler;
    const scheduler = new RecordingScheduler(this.time, realScheduler, this.realClock, (id) => {
      this.input({ k: 'timer', t: this.time.micros, id });
    });
    const create = base.createConnection ?? defaultCreateConnection;
    let http = base.http;
    if (http === undefined) {
      const owned = nodeHttpGet();
      http = owned;
      this.ownedHttp = owned.destroy;
    }
    const origins = new Map<string, ExchangeId>();
    for (const ref of config.markets) {
      const ex = splitMarketRef(ref).exchange;
      const ep = config.endpoints[ex] ?? DEFAULT_ENDPOINTS[ex];
      if (ep && !origins.has(ep.rest.replace(/\/+$/, ''))) origins.set(ep.rest.replace(/\/+$/, ''), ex);
    }
    this.deps = {
      clock: this.time,
      scheduler,
      random: seededRandom(seed),
      ...(base.logger ? { logger: base.logger } : {}),
      createConnection: (o) => this.wrapConnection(create, o, realScheduler),
      http: this.wrapHttp(http, origins),
    };
  }

  /** Records, received frames, compressed bytes and parts written so far. */
  stats(): { records: number; frames: number; bytes: number; parts: number } {
    return this.writer.stats();
  }

  /** Files written so far (the chain). */
  get files(): readonly string[] {
    return this.writer.files;
  }

  /**
   * The output sink dropped events (a slow stdout): record it, so the replay emits the same `gap` status (and book
   * snapshot) at the same point. Call it right before `hub.emitGap(g)`.
   */
  gap(g: GapInfo): void {
    const t = Math.max(this.time.micros, this.realClock.nowMicros());
    const { key, exchange, symbol, dropped, firstSeq, lastSeq, book } = g;
    this.input({ k: 'gap', t, key, x: exchange, ...(symbol !== undefined ? { symbol } : {}), dropped, firstSeq, lastSeq, book });
  }

  /** Stop recording: writes the `end` record and flushes to disk. Close the hub first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ownedHttp?.();
    await this.writer.close(Math.max(this.time.micros, this.realClock.nowMicros()));
  }

  /** An input: it sets the recorded time; `s` marks "no microtask checkpoint since the previous input". */
  private input(rec: InputRecord): void {
    if (this.tickOpen) rec.s = 1;
    else {
      this.tickOpen = true;
      queueMicrotask(() => {
        this.tickOpen = false;
      });
    }
    this.time.micros = rec.t;
    if (!this.closed) this.writer.write(rec);
  }

  private write(rec: RecordLine): void {
    if (!this.closed) this.writer.write(rec);
  }

  private wrapConnection(
    create: (opts: ConnectionOptions) => Connection,
    o: ConnectionOptions,
    realScheduler: SchedulerLike,
  ): Connection {
    const id = o.id;
    const x = id.slice(0, id.includes('#') ? id.indexOf('#') : id.length) as ExchangeId;
    /** Frames the pipeline asked to send (send() and the subscriptions returned on open), not yet written. */
    const asked = new Map<string, number>();
    const ask = (m: string): void => {
      asked.set(m, (asked.get(m) ?? 0) + 1);
    };
    let nested = false;
    // Frames must pass through `events$` to be recorded: the direct `onFrame` path of the live hot loop is not used
    // while recording (the runtime takes frames from either).
    const { onFrame: _direct, ...viaEvents } = o;
    const real = create({
      ...viaEvents,
      clock: this.realClock,
      scheduler: realScheduler,
      onOpen: () => {
        const msgs = o.onOpen();
        for (const m of msgs) ask(m);
        return msgs;
      },
    });
    /** Record the event; returns it with the recorded time (kept monotonic: a socket's own reading can precede it). */
    const onEvent = (ev: ConnectionEvent): ConnectionEvent => {
      if (ev.kind === 'sent') {
        const n = asked.get(ev.data);
        if (n !== undefined) {
          if (n <= 1) asked.delete(ev.data);
          else asked.set(ev.data, n - 1);
        }
        // credentials (signatures, keys, JWTs) never reach the file
        this.write({ k: 'sent', t: ev.localTime, x, c: id, d: redactFrame(ev.data), ...(n !== undefined ? { app: 1 as const } : {}) });
        return ev;
      }
      const t = Math.max(ev.localTime, this.time.micros);
      if (ev.kind === 'frame') {
        this.input({ k: 'frame', t, x, c: id, d: ev.data });
        return t === ev.localTime ? ev : { ...ev, localTime: t };
      }
      if (ev.state === 'closed' || ev.state === 'reconnecting') asked.clear();
      this.input({
        k: 'status',
        t,
        ...(nested ? { n: 1 as const } : {}),
        x,
        c: id,
        state: ev.state,
        code: ev.code,
        reason: ev.reason,
        ...(ev.details ? { details: ev.details } : {}),
      });
      return t === ev.localTime ? ev : { ...ev, localTime: t };
    };
    const events$ = new Observable<ConnectionEvent>((subscriber) =>
      real.events$.subscribe({
        next: (ev) => subscriber.next(onEvent(ev)),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
    return {
      id,
      events$,
      start: () => real.start(),
      send: (m) => {
        if (real.isOpen) ask(m);
        real.send(m);
      },
      notePong: () => real.notePong(),
      reconnect: (code, reason, opts) => {
        nested = true;
        try {
          real.reconnect(code, reason, opts);
        } finally {
          nested = false;
        }
      },
      close: () => real.close(),
      get isOpen() {
        return real.isOpen;
      },
    };
  }

  private wrapHttp(http: HttpGet, origins: Map<string, ExchangeId>): HttpGet {
    const exchangeOf = (url: string): ExchangeId | undefined => {
      for (const [o, ex] of origins) if (url.startsWith(o)) return ex;
      return undefined;
    };
    return (url, opts) => {
      const id = this.restCalls++;
      const ex = exchangeOf(url);
      const base = { k: 'rest' as const, id, ...(ex ? { x: ex } : {}), url: redactUrl(url) };
      return http(url, opts).then(
        (res) => {
          const headers = keptHeaders(res.headers);
          const t = Math.max(this.time.micros, this.realClock.nowMicros());
          this.input({ ...base, t, status: res.status, ...(headers ? { headers } : {}), body: res.body });
          // the pipeline sees exactly what a replay will give it
          return { status: res.status, headers: headers ?? {}, body: res.body };
        },
        (err: unknown) => {
          const t = Math.max(this.time.micros, this.realClock.nowMicros());
          const error = redactUrl(err instanceof Error ? err.message : String(err));
          this.input({ ...base, t, error, ...(opts.signal?.aborted ? { aborted: 1 as const } : {}) });
          throw err;
        },
      );
    };
  }
}

/** The config as the header keeps it: endpoint URLs without userinfo or secret query parameters. */
function redactEndpoints(config: TickwireConfig): TickwireConfig {
  const endpoints: TickwireConfig['endpoints'] = {};
  for (const ex of Object.keys(config.endpoints) as ExchangeId[]) {
    const ep = config.endpoints[ex]!;
    endpoints[ex] = { ws: redactUrl(ep.ws), rest: redactUrl(ep.rest) };
  }
  return { ...config, endpoints };
}
