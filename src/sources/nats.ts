/**
 * `fromNats(options)`: the events a tickwire publisher stored in NATS JetStream, as `Observable<MarketEvent>`,
 * in stream order, without duplicates, with every loss reported.
 *
 * Start (`start: "snapshot"`, the default): the latest checkpoint of each book under the filter is read from
 * `<stream>_SNAP` and emitted first as a `book_snapshot` (the book as of its `seq`); the event stream is then read
 * by an ordered consumer from the oldest checkpoint's stream sequence + 1 on, skipping each book's events up to
 * its own checkpoint. So a late joiner replays at most one checkpoint interval per book, never the whole stream.
 *
 * Every event passes a SeqTracker (duplicates dropped; a hole emits a status `gap` / `TW_ERR_STREAM_GAP` for that
 * stream before the event, so `rebuildBooks` invalidates the book until its next snapshot). Messages that are not
 * valid MarketEvents are skipped and reported through `onStatus`. While no server answers the first connect, it
 * is retried every `reconnectTimeWaitMs` (each failure reported through `onStatus`; unsubscribing stops it at
 * once). Once connected the client reconnects forever; the ordered consumer resumes after the last stream
 * sequence it delivered.
 */
import { Observable } from 'rxjs';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg, type OrderedConsumerOptions } from '@nats-io/jetstream';
import { MarketEvent, type StatusEvent } from '../schema/events.js';
import { systemClock, type Clock } from '../util/clock.js';
import { openNats, toNatsStatus, unreachableStatus } from '../nats/connect.js';
import { NatsConsumeOptions, snapshotStreamName, type NatsConsumeConfig } from '../nats/options.js';
import type { NatsStatus } from '../nats/status.js';
import { STREAM_SEQ_HEADER, checkpointFilter, dataKeyOf } from '../nats/subjects.js';
import { SeqTracker } from './seq-tracker.js';

export interface FromNatsDeps {
  clock?: Clock;
  /** The NATS link's own status (connect, disconnect, reconnect, malformed messages). */
  onStatus?: (s: NatsStatus) => void;
}

interface Checkpoint {
  event: MarketEvent;
  streamSeq: number;
}

export function fromNats(options: NatsConsumeOptions = {}, deps: FromNatsDeps = {}): Observable<MarketEvent> {
  const cfg = NatsConsumeOptions.parse(options);
  const clock = deps.clock ?? systemClock;
  const onStatus = deps.onStatus ?? (() => undefined);
  return new Observable<MarketEvent>((out) => {
    let nc: NatsConnection | undefined;
    let stopped = false;
    let stopIter: (() => void) | undefined;
    let wake: (() => void) | undefined;
    /** Waits `ms`, or less when unsubscribed. */
    const pause = (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    const run = async (): Promise<void> => {
      const status = (state: NatsStatus['state'], code: NatsStatus['code'], reason: string, details?: Record<string, unknown>): void => {
        const s: NatsStatus = { type: 'nats', state, code, reason, localTime: clock.nowMicros() };
        if (details !== undefined) s.details = details;
        onStatus(s);
      };
      status('connecting', 'TW_OK', `connecting to ${String(cfg.servers)}`);
      for (let attempt = 1; nc === undefined; attempt++) {
        try {
          nc = await openNats(cfg);
        } catch (err) {
          if (stopped) return;
          onStatus(unreachableStatus(cfg.servers, err, cfg.reconnectTimeWaitMs, attempt, clock));
          await pause(cfg.reconnectTimeWaitMs);
          if (stopped) return;
        }
      }
      if (stopped) return void (await nc.close());
      void (async () => {
        for await (const s of nc.status()) {
          const st = toNatsStatus(s, clock);
          if (st !== undefined) onStatus(st);
        }
      })();
      status('open', 'TW_OK', `consuming ${filterOf(cfg)} from stream ${cfg.stream}`);
      const js = jetstream(nc);
      const tracker = new SeqTracker();
      const gaps = new GapStatuses(clock);
      const skipUpTo = new Map<string, number>();
      const filter = filterOf(cfg);

      const parse = (m: JsMsg): MarketEvent | undefined => {
        let json: unknown;
        try {
          json = m.json();
        } catch {
          json = undefined;
        }
        const r = MarketEvent.safeParse(json);
        if (r.success) return r.data;
        status('error', 'TW_ERR_MALFORMED_FRAME', `skipped a message that is not a MarketEvent on ${m.subject}`, { streamSeq: m.seq });
        return undefined;
      };

      // the stream may not exist yet (the consumer started before any publisher): wait for it
      const jsm = await jetstreamManager(nc);
      for (let attempt = 0; !stopped; attempt++) {
        try {
          await jsm.streams.info(cfg.stream);
          break;
        } catch (err) {
          if (!(err instanceof Error && /not found/i.test(err.message))) throw err;
          if (attempt === 0) status('error', 'TW_ERR_NATS', `stream ${cfg.stream} does not exist yet; waiting for a publisher`);
          await new Promise((r) => setTimeout(r, cfg.reconnectTimeWaitMs));
        }
      }
      if (stopped) return;

      let startSeq = 0;
      if (cfg.start === 'snapshot') {
        const cps = await readCheckpoints(js, cfg, filter, parse);
        if (stopped) return;
        for (const cp of cps) {
          const key = dataKeyOf(cp.event);
          if (key === undefined) continue;
          skipUpTo.set(key, cp.streamSeq);
          tracker.seed(cp.event);
          out.next(cp.event);
        }
        if (cps.length > 0) startSeq = Math.min(...cps.map((c) => c.streamSeq)) + 1;
      }
      const opts: Partial<OrderedConsumerOptions> = { filter_subjects: filter };
      if (startSeq > 0) {
        opts.deliver_policy = DeliverPolicy.StartSequence;
        opts.opt_start_seq = startSeq;
      } else opts.deliver_policy = cfg.start === 'new' ? DeliverPolicy.New : DeliverPolicy.All;
      const consumer = await js.consumers.get(cfg.stream, opts);
      const iter = await consumer.consume({ expires: cfg.pullExpiresMs });
      stopIter = () => iter.stop();
      if (stopped) iter.stop();
      for await (const m of iter) {
        const e = parse(m);
        if (e === undefined) continue;
        const key = dataKeyOf(e);
        if (key !== undefined) {
          const skip = skipUpTo.get(key);
          if (skip !== undefined) {
            if (m.seq <= skip) continue;
            skipUpTo.delete(key);
          }
        }
        const v = tracker.check(e);
        if (v.kind === 'duplicate') continue;
        if (v.kind === 'gap') out.next(gaps.make(e, v.fromSeq, v.toSeq, v.missing, v.afterRestart));
        out.next(e);
      }
    };
    run().then(
      () => {
        if (!stopped) out.complete();
      },
      (err: unknown) => {
        if (!stopped) out.error(err);
      },
    );
    return () => {
      stopped = true;
      wake?.();
      stopIter?.();
      void nc?.close();
    };
  });
}

function filterOf(cfg: NatsConsumeConfig): string {
  return cfg.filter ?? `${cfg.prefix}.>`;
}

/** The latest checkpoint of every book under the filter (last message per subject of the snapshot stream). */
async function readCheckpoints(
  js: ReturnType<typeof jetstream>,
  cfg: NatsConsumeConfig,
  filter: string,
  parse: (m: JsMsg) => MarketEvent | undefined,
): Promise<Checkpoint[]> {
  const consumer = await js.consumers.get(snapshotStreamName(cfg.stream), {
    filter_subjects: checkpointFilter(cfg.prefix, filter),
    deliver_policy: DeliverPolicy.LastPerSubject,
  });
  const pending = (await consumer.info()).num_pending;
  const out: Checkpoint[] = [];
  if (pending === 0) {
    await consumer.delete().catch(() => undefined);
    return out;
  }
  const msgs = await consumer.fetch({ max_messages: pending, expires: 5000 });
  for await (const m of msgs) {
    const e = parse(m);
    const seq = Number(m.headers?.get(STREAM_SEQ_HEADER));
    if (e !== undefined && e.type === 'book_snapshot' && Number.isInteger(seq) && seq > 0) out.push({ event: e, streamSeq: seq });
    if (m.info.pending === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return out;
}

/** Status events a consumer makes for holes it saw; stamped with the consumer's own epoch. */
class GapStatuses {
  private readonly epoch = `nats-consumer-${randomBytes(6).toString('hex')}`;
  private readonly seqs = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  make(e: MarketEvent, fromSeq: number, toSeq: number, missing: number, afterRestart: boolean): StatusEvent {
    const key = dataKeyOf(e) ?? e.exchange;
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    const s: StatusEvent = {
      type: 'status',
      scope: 'stream',
      exchange: e.exchange,
      state: 'gap',
      code: 'TW_ERR_STREAM_GAP',
      reason: `${missing} event(s) missing from the NATS stream (seq ${fromSeq}..${toSeq} of epoch ${e.epoch})`,
      details: { streamKey: key, epoch: e.epoch, fromSeq, toSeq, missing, afterRestart },
      localTime: this.clock.nowMicros(),
      seq,
      epoch: this.epoch,
    };
    if (e.symbol !== undefined) s.symbol = e.symbol;
    if ('market' in e && e.market !== undefined) s.market = e.market;
    const channel = key.slice(key.lastIndexOf('@') + 1);
    if (channel === 'book' || channel === 'ticker' || channel === 'trades') s.channel = channel;
    return s;
  }
}
