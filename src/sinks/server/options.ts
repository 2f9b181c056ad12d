/** The local server's settings: one literal of defaults (the CLI and `startServer` both go through it). */
import { z } from 'zod';

export const ServerLimits = z
  .object({
    /** Concurrent WebSocket clients; the next upgrade is answered HTTP 503. */
    maxClients: z.number().int().positive().default(256),
    /** Streams one client may subscribe to. */
    maxSubscriptionsPerClient: z.number().int().positive().default(64),
    /** Largest command frame answered normally; a larger one gets an error reply (the connection stays). */
    maxFrameBytes: z.number().int().positive().default(16 * 1024),
    /**
     * ws `maxPayload`: a frame larger than this is not even buffered — the connection is closed with 1009.
     * Default 64 × maxFrameBytes.
     */
    maxPayloadBytes: z.number().int().positive().optional(),
    /** A client whose socket holds more unsent bytes than this is *behind*: its streams are conflated/dropped. */
    highWaterBytes: z.number().int().positive().default(1024 * 1024),
    /** A behind client is caught up again once its unsent bytes fall to this (default highWaterBytes / 4). */
    lowWaterBytes: z.number().int().nonnegative().optional(),
    /**
     * Unsent bytes past which a client is disconnected at once (close 4008). Unsent bytes count every queued
     * message, replies included, plus REPLY_OVERHEAD_BYTES per queued reply (what a reply costs beyond its bytes),
     * so the bound holds for memory even when a client floods commands with tiny replies.
     */
    maxBufferedBytes: z.number().int().positive().default(16 * 1024 * 1024),
    /** Commands (any frame) one client may send per second, on average; over it: close 4029. */
    maxCommandsPerSecond: z.number().int().positive().default(100),
    /** Commands one client may send in a burst above that rate (token bucket size). Default 2 × the rate. */
    commandBurst: z.number().int().positive().optional(),
    /** A client behind for this long without catching up is disconnected (close 4008). */
    slowClientTimeoutMs: z.number().int().positive().default(10_000),
    /** After a close of ours, the socket is terminated if the close handshake has not finished within this. */
    closeTimeoutMs: z.number().int().positive().default(2_000),
  })
  .strict();
export type ServerLimits = z.infer<typeof ServerLimits>;

export const ServerSettings = z
  .object({
    /** 0 = any free port. */
    port: z.number().int().min(0).max(65535).default(8787),
    /** Loopback by default. Any other address requires `token`. */
    host: z.string().min(1).default('127.0.0.1'),
    /**
     * Bearer token (`Authorization: Bearer T`, subprotocol `tickwire.token.T`, or `?token=T`); required when not
     * bound to loopback.
     */
    token: z.string().min(8).optional(),
    /**
     * Browser origins allowed to open a WebSocket (exact `scheme://host[:port]`), besides the server's own loopback
     * origins. Upgrades with any other `Origin` header are answered HTTP 403; upgrades without one are allowed.
     */
    allowOrigins: z.array(z.string().min(1)).default([]),
    limits: ServerLimits.default(ServerLimits.parse({})),
    /** Default `top` for book subscriptions (0 = snapshot + deltas). */
    top: z.number().int().min(0).max(1000).default(0),
    /** Default `every` (ms) of book_top ladders. */
    every: z.number().int().min(10).max(3_600_000).default(1000),
    /** When the last client leaves a stream, the upstream subscription is dropped after this delay. */
    graceMs: z.number().int().nonnegative().default(5_000),
    /** Ping period; a client that has not answered the previous ping is terminated. */
    heartbeatMs: z.number().int().positive().default(30_000),
    /** How often behind clients are checked for catch-up or timeout. */
    checkIntervalMs: z.number().int().positive().default(100),
  })
  .strict();
export type ServerSettings = z.infer<typeof ServerSettings>;
export type ServerSettingsInput = z.input<typeof ServerSettings>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
