/**
 * Every NATS setting with its default (one literal of defaults). Durations are milliseconds.
 */
import { z } from 'zod';

const Servers = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Connection settings shared by the publisher and the consumer. */
export const NatsConnectionOptions = z.object({
  /** `nats://host:port`, or several. */
  servers: Servers.default('nats://127.0.0.1:4222'),
  /** JetStream stream for events; checkpoints go to `<stream>_SNAP`. */
  stream: z.string().regex(/^[A-Za-z0-9_-]+$/).default('TICKWIRE'),
  /** First subject token: `<prefix>.<exchange>.<channel>.<symbol>`. */
  prefix: z.string().regex(/^[A-Za-z0-9_-]+$/).default('tickwire'),
  /** Connection name shown by the server. */
  name: z.string().default('tickwire'),
  /** Wait between reconnect attempts (the client retries forever). */
  reconnectTimeWaitMs: z.number().int().positive().default(2000),
});

export const NatsPublishOptions = NatsConnectionOptions.extend({
  /** Create the streams when they do not exist (an existing stream is used as it is). */
  createStream: z.boolean().default(true),
  retention: z.enum(['limits', 'interest', 'workqueue']).default('limits'),
  storage: z.enum(['file', 'memory']).default('file'),
  replicas: z.number().int().min(1).max(5).default(1),
  /** Stream limits (-1 = unlimited). */
  maxAgeMs: z.number().int().min(0).default(3_600_000),
  maxBytes: z.number().int().min(-1).default(1024 * 1024 * 1024),
  maxMsgsPerSubject: z.number().int().min(-1).default(-1),
  /** JetStream drops a repeated Nats-Msg-Id within this window (restarted or duplicate publishers). */
  duplicateWindowMs: z.number().int().positive().default(120_000),
  /** A book's checkpoint (snapshot in `<stream>_SNAP`) is published after this many events of the book… */
  snapshotEveryEvents: z.number().int().positive().default(1000),
  /** …or when this much time passed since its last checkpoint (checked on each of its events). */
  snapshotEveryMs: z.number().int().positive().default(10_000),
  /** Publishes awaiting their PubAck at once. */
  maxInFlight: z.number().int().positive().default(256),
  /** Bound of the buffer in front of NATS (events and serialized bytes); beyond it events are shed. */
  maxBufferedEvents: z.number().int().positive().default(50_000),
  maxBufferedBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** PubAck deadline; a publish that misses it is retried with the same Nats-Msg-Id. */
  publishTimeoutMs: z.number().int().positive().default(5000),
  /** Pause before retrying after a failed publish. */
  retryDelayMs: z.number().int().positive().default(500),
  /** When the input completes, how long to wait for the buffer to flush before closing. */
  drainTimeoutMs: z.number().int().positive().default(10_000),
});
export type NatsPublishOptions = z.input<typeof NatsPublishOptions>;
export type NatsPublishConfig = z.output<typeof NatsPublishOptions>;

export const NatsConsumeOptions = NatsConnectionOptions.extend({
  /** Subject filter on the event stream; must start with `<prefix>.` (default `<prefix>.>`). */
  filter: z.string().optional(),
  /**
   * `snapshot`: each book starts from its latest checkpoint and the stream is read from the oldest checkpoint on
   * (everything from the beginning when there is none); `all`: the whole retained stream; `new`: only new events.
   */
  start: z.enum(['snapshot', 'all', 'new']).default('snapshot'),
  /**
   * Pull request lifetime (the server heartbeats at half of it). After a server restart the ordered consumer
   * notices two missed heartbeats and recreates itself after the last message it delivered.
   */
  pullExpiresMs: z.number().int().min(1000).default(30_000),
});
export type NatsConsumeOptions = z.input<typeof NatsConsumeOptions>;
export type NatsConsumeConfig = z.output<typeof NatsConsumeOptions>;

export function snapshotStreamName(stream: string): string {
  return `${stream}_SNAP`;
}
