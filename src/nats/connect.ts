/**
 * The only module that opens NATS connections: the official client, reconnecting forever once connected, plus
 * stream setup.
 */
import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { Clock } from '../util/clock.js';
import { snapshotStreamName, type NatsPublishConfig } from './options.js';
import type { NatsStatus } from './status.js';
import { snapshotPrefix } from './subjects.js';

export interface ConnectSettings {
  servers: string | string[];
  name: string;
  reconnectTimeWaitMs: number;
}

/**
 * Connects, reconnecting forever afterwards. When no server answers the first time it fails at once: the caller
 * retries (reporting the unreachable state), so that stopping never waits on a dial loop nobody can cancel.
 */
export function openNats(s: ConnectSettings): Promise<NatsConnection> {
  return connect({
    servers: s.servers,
    name: s.name,
    waitOnFirstConnect: false,
    maxReconnectAttempts: -1,
    reconnectTimeWait: s.reconnectTimeWaitMs,
    reconnectJitter: Math.min(100, s.reconnectTimeWaitMs),
    pingInterval: 10_000,
  });
}

/** The status of a first connect that failed (the caller retries in `retryMs`). */
export function unreachableStatus(servers: string | string[], err: unknown, retryMs: number, attempt: number, clock: Clock): NatsStatus {
  const why = err instanceof Error ? err.message : String(err);
  return {
    type: 'nats',
    state: 'error',
    code: 'TW_ERR_NATS',
    reason: `NATS unreachable at ${String(servers)} (${why}); retrying every ${retryMs} ms`,
    details: { attempt },
    localTime: clock.nowMicros(),
  };
}

/** The client's status as a NatsStatus, or undefined for statuses that change nothing (pings, updates). */
export function toNatsStatus(s: Status, clock: Clock): NatsStatus | undefined {
  const localTime = clock.nowMicros();
  switch (s.type) {
    case 'disconnect':
      return { type: 'nats', state: 'disconnected', code: 'TW_ERR_NATS', reason: `disconnected from ${s.server}`, localTime };
    case 'reconnecting':
      return { type: 'nats', state: 'reconnecting', code: 'TW_ERR_NATS', reason: 'reconnecting to NATS', localTime };
    case 'reconnect':
      return { type: 'nats', state: 'reconnected', code: 'TW_OK', reason: `reconnected to ${s.server}`, localTime };
    case 'error':
      return { type: 'nats', state: 'error', code: 'TW_ERR_NATS', reason: s.error.message, localTime };
    case 'staleConnection':
      return { type: 'nats', state: 'error', code: 'TW_ERR_NATS', reason: 'NATS connection is stale', localTime };
    case 'slowConsumer':
      return {
        type: 'nats',
        state: 'error',
        code: 'TW_ERR_NATS',
        reason: 'slow consumer',
        details: { pending: s.pending },
        localTime,
      };
    default:
      return undefined;
  }
}

/** Creates the event stream and the checkpoint stream when missing; existing streams are left as they are. */
export async function ensureStreams(nc: NatsConnection, cfg: NatsPublishConfig): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const ms = (n: number): number => n * 1_000_000; // JetStream durations are nanoseconds
  const main: Partial<StreamConfig> & { name: string } = {
    name: cfg.stream,
    subjects: [`${cfg.prefix}.>`],
    retention: cfg.retention,
    storage: cfg.storage,
    num_replicas: cfg.replicas,
    max_age: ms(cfg.maxAgeMs),
    max_bytes: cfg.maxBytes,
    max_msgs_per_subject: cfg.maxMsgsPerSubject,
    duplicate_window: ms(Math.min(cfg.duplicateWindowMs, cfg.maxAgeMs > 0 ? cfg.maxAgeMs : cfg.duplicateWindowMs)),
  };
  const snap: Partial<StreamConfig> & { name: string } = {
    name: snapshotStreamName(cfg.stream),
    subjects: [`${snapshotPrefix(cfg.prefix)}.>`],
    retention: 'limits',
    storage: cfg.storage,
    num_replicas: cfg.replicas,
    max_msgs_per_subject: 1,
    duplicate_window: ms(cfg.duplicateWindowMs),
  };
  for (const sc of [main, snap]) {
    try {
      await jsm.streams.info(sc.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.streams.add(sc);
    }
  }
  return jsm;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}
