/**
 * Replay: the same Hub, adapters, book sync and sinks as live, fed from a recording. Connections emit the recorded
 * frames and statuses, REST calls get the recorded outcomes (by call number), the clock reads the recorded time
 * and timers fire exactly when the recording says they fired. Inputs recorded in one synchronous run are
 * delivered in one run; between the others every pending promise settles first, as it did live.
 */
import { Observable } from 'rxjs';
import type { Logger } from 'pino';
import { silentLogger } from '../util/silent-logger.js';
import type { ExchangeId, MarketEvent } from '../schema/events.js';
import { parseConfig, splitMarketRef } from '../config.js';
import { Hub, type HubDeps } from '../pipeline/hub.js';
import { loadAdapter } from '../exchanges/registry.js';
import type { HttpGet, RestResponse } from '../rest/index.js';
import { isInput, type RecordLine, type RecordingHeader } from './format.js';
import { RecordingReader, type Damage } from './reader.js';
import { ReplayConnection } from './replay-connection.js';
import { ReplayScheduler, TimeCell } from './time.js';
import { seededRandom } from './random.js';
import { redactUrl } from './redact.js';

export interface ReplayOptions {
  /** 1 = recorded pace, 10 = ten times faster, `max` = as fast as possible (default). */
  speed?: number | 'max';
  logger?: Logger;
  /** Called with the running hub (books, health) before the first record. */
  onHub?: (hub: Hub) => void;
  /** Called once when the replay ends (end of the recording, damage, or unsubscribed). */
  onEnd?: (result: ReplayResult) => void;
  /** Awaited before each record when it returns a promise: lets a sink hold the replay back (no drops). */
  pace?: () => Promise<void> | undefined;
  /** Called once the recording is open, with a live count of its compressed bytes read so far (for progress). */
  onOpen?: (read: { readonly bytes: number }) => void;
  /** Adapters as live (e.g. `adaptersFromEnv(process.env)` when the session ran with credentials). */
  adapters?: HubDeps['adapters'];
}

export interface ReplayResult {
  /** Records replayed. */
  records: number;
  /** Where and why the recording is damaged (everything before it was replayed). */
  damage?: Damage;
  /** Times the pipeline did not do what the recording shows (sends, REST calls, timers); 0 for a faithful replay. */
  divergences: number;
  /** The subscriber left before the end. */
  stopped: boolean;
  header: RecordingHeader;
}

const LOOKAHEAD = 64;
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface PendingRest {
  url: string;
  resolve: (r: RestResponse) => void;
  reject: (e: Error) => void;
}

/** One replay run over a reader: the deps to build the Hub with, and the loop that feeds it. */
export class ReplaySession {
  readonly time: TimeCell;
  readonly scheduler: ReplayScheduler;
  readonly deps: HubDeps;
  private readonly conns = new Map<string, ReplayConnection>();
  private readonly rest = new Map<number, PendingRest>();
  private restCalls = 0;
  private divergences = 0;
  private lastExchange: ExchangeId | undefined;
  private hub: Hub | undefined;
  private readonly log: Logger;

  constructor(
    private readonly reader: RecordingReader,
    private readonly opts: ReplayOptions = {},
  ) {
    this.log = opts.logger ?? silentLogger();
    this.time = new TimeCell(reader.header.origin);
    this.scheduler = new ReplayScheduler(this.time);
    const http: HttpGet = (url) =>
      new Promise<RestResponse>((resolve, reject) => {
        this.rest.set(this.restCalls++, { url, resolve, reject });
      });
    this.deps = {
      clock: this.time,
      scheduler: this.scheduler,
      random: seededRandom(reader.header.seed),
      logger: this.log,
      ...(opts.adapters ? { adapters: opts.adapters } : {}),
      http,
      createConnection: (o) => {
        const c = new ReplayConnection(o, {
          nested: (id) => this.nested(id),
          diverged: (what, details) => this.diverged(what, details),
        });
        this.conns.set(o.id, c);
        return c;
      },
    };
  }

  private diverged(what: string, details: Record<string, unknown>): void {
    this.divergences++;
    if (this.divergences <= 20) this.log.warn(details, `replay diverged from the recording: ${what}`);
  }

  /** Deliver the records a live `reconnect()` call emitted synchronously (and the sends recorded before them). */
  private nested(id: string): void {
    for (;;) {
      const r = this.reader.peek();
      if (r === undefined || !(r.k === 'sent' || (r.k === 'status' && r.n === 1 && r.c === id))) return;
      this.reader.shift();
      this.dispatch(r);
    }
  }

  private dispatch(r: RecordLine): void {
    if (isInput(r)) this.time.micros = r.t;
    if ('x' in r && r.x !== undefined) this.lastExchange = r.x;
    switch (r.k) {
      case 'frame':
      case 'status': {
        const c = this.conns.get(r.c);
        if (c === undefined) return this.diverged(`${r.k} for a connection the pipeline did not open`, { connection: r.c });
        if (r.k === 'frame') c.frame(r);
        else c.status(r);
        return;
      }
      case 'sent':
        this.conns.get(r.c)?.sent(r);
        return;
      case 'rest': {
        const p = this.rest.get(r.id);
        if (p === undefined) return this.diverged('REST outcome for a call the pipeline did not make', { id: r.id, url: r.url });
        this.rest.delete(r.id);
        if (redactUrl(p.url) !== r.url) this.diverged('REST call to another URL', { id: r.id, recorded: r.url, replayed: redactUrl(p.url) });
        if (r.error !== undefined || r.status === undefined) p.reject(new Error(r.error ?? 'no response recorded'));
        else p.resolve({ status: r.status, headers: r.headers ?? {}, body: r.body ?? '' });
        return;
      }
      case 'timer':
        if (!this.scheduler.fire(r.id)) this.diverged('timer fired live that the replay did not arm', { id: r.id });
        return;
      case 'gap': {
        const { key, x: exchange, symbol, dropped, firstSeq, lastSeq, book } = r;
        this.hub?.emitGap({ key, exchange, symbol, dropped, firstSeq, lastSeq, book });
        return;
      }
      default:
        return;
    }
  }

  /** Buffer the next run whole (up to the next record that starts a new synchronous run). */
  private async fillRun(): Promise<void> {
    for (let n = LOOKAHEAD; ; n *= 2) {
      await this.reader.fill(n);
      if (this.reader.buffered < n) return;
      for (let i = 1; i < n; i++) {
        const q = this.reader.peek(i);
        if (q !== undefined && isInput(q) && q.s === undefined) return;
      }
    }
  }

  /** Feed every record to the hub; on damage, emit an error status. The caller closes the hub. */
  async run(hub: Hub, stopped: () => boolean): Promise<ReplayResult> {
    this.hub = hub;
    const speed = this.opts.speed ?? 'max';
    const wallStart = performance.now();
    const t0 = this.reader.header.origin;
    let records = 0;
    for (;;) {
      if (stopped()) break;
      await this.fillRun();
      const r = this.reader.peek();
      if (r === undefined) break;
      const wait = this.opts.pace?.();
      if (wait) await wait;
      if (typeof speed === 'number' && speed > 0) {
        const due = wallStart + (r.t - t0) / 1000 / speed - performance.now();
        if (due > 1) await sleep(due);
      }
      await drain(); // every promise the previous run started settles first, as it did live
      if (stopped()) break;
      // One run: the records of one synchronous live run, delivered with no checkpoint between them.
      for (let first = true; ; first = false) {
        const q = this.reader.peek();
        if (q === undefined || (!first && isInput(q) && q.s === undefined)) break;
        this.reader.shift();
        records++;
        this.dispatch(q);
      }
    }
    if (!stopped()) await drain();
    const damage = this.reader.damage;
    const isStopped = stopped();
    if (damage && !isStopped) {
      const exchange = this.lastExchange ?? firstExchange(this.reader.header) ?? 'binance';
      const reason = `recording damaged at ${damage.file} line ${damage.line}: ${damage.reason}; replayed everything before it`;
      this.log.info({ file: damage.file, line: damage.line }, reason);
      hub.emitStatus({
        scope: 'connection',
        exchange,
        connectionId: 'replay',
        state: 'error',
        code: 'TW_ERR_RECORDING',
        reason,
        details: { file: damage.file, line: damage.line },
        localTime: this.time.micros,
      });
    }
    if (this.divergences > 0) this.log.warn({ divergences: this.divergences }, 'replay diverged from the recording');
    return {
      records,
      ...(damage && !isStopped ? { damage } : {}),
      divergences: this.divergences,
      stopped: isStopped,
      header: this.reader.header,
    };
  }
}

function firstExchange(h: RecordingHeader): ExchangeId | undefined {
  const m = h.config.markets[0];
  return m === undefined ? undefined : splitMarketRef(m).exchange;
}

/** A hub fed by a recording, its markets added as live; `run` feeds it (the caller closes the hub). */
export interface ReplayHub {
  hub: Hub;
  header: RecordingHeader;
  run(stopped?: () => boolean): Promise<ReplayResult>;
}

/**
 * Open a recording and build its hub (refusal: TwError TW_ERR_RECORDING). The recorded markets are added at once,
 * in the recorded order, so anything added later (a server's preloads) finds them already there: their adapters are
 * loaded first, so that the hub makes their runtimes before the first record is fed, whatever a load takes.
 */
export async function openReplay(input: string | readonly string[], options: ReplayOptions = {}): Promise<ReplayHub> {
  const reader = await RecordingReader.open(input);
  options.onOpen?.(reader.read);
  // a recording from before the full-book check ran without it: its timers and REST calls are not in the file
  const recorded = reader.header.config as Record<string, unknown>;
  const config = parseConfig('bookCheckIntervalMs' in recorded ? recorded : { ...recorded, bookCheckIntervalMs: 0 });
  const exchanges = [...new Set(config.markets.map((ref) => splitMarketRef(ref).exchange))].filter((x) => options.adapters?.[x] === undefined);
  const loaded = await Promise.all(exchanges.map(async (x) => [x, await loadAdapter(x)] as const));
  const session = new ReplaySession(reader, { ...options, adapters: { ...Object.fromEntries(loaded), ...options.adapters } });
  const hub = new Hub(config, session.deps);
  for (const ref of config.markets) {
    const { exchange, symbol } = splitMarketRef(ref);
    void hub.add(exchange, symbol, config.channels);
  }
  return { hub, header: reader.header, run: (stopped = () => false) => session.run(hub, stopped) };
}

/**
 * Replay a recording (a file — its rotated chain is followed — or the list of its parts) through a fresh Hub:
 * the same events the live session emitted, `localTime`, `seq` and `epoch` included. Cold: each subscription
 * replays from the start. An unknown format or version errors the Observable (TwError TW_ERR_RECORDING) before
 * any event; damage ends it with an error status after everything before the damage.
 */
export function replay(input: string | readonly string[], options: ReplayOptions = {}): Observable<MarketEvent> {
  return new Observable<MarketEvent>((subscriber) => {
    let stopped = false;
    let hub: Hub | undefined;
    void (async () => {
      const r = await openReplay(input, options);
      hub = r.hub;
      if (stopped) {
        hub.close();
        return;
      }
      hub.events$.subscribe(subscriber);
      options.onHub?.(hub);
      const result = await r.run(() => stopped);
      options.onEnd?.(result);
      hub.close();
    })().catch((err: unknown) => {
      hub?.close();
      subscriber.error(err);
    });
    return () => {
      stopped = true;
      hub?.close();
    };
  });
}
