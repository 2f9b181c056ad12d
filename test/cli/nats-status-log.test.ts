/**
 * The NATS status logger of the CLI: a problem that repeats (an unreachable server retried every few seconds) is
 * warned once per interval with the count of repeats not logged; recoveries are logged at info and make the next
 * problem news again.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { natsStatusLogger } from '../../src/cli/nats-flags.js';
import type { NatsStatus } from '../../src/nats/status.js';

function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

const unreachable = (attempt: number): NatsStatus => ({
  type: 'nats',
  state: 'error',
  code: 'TW_ERR_NATS',
  reason: 'NATS unreachable at nats://127.0.0.1:1 (connection refused); retrying every 2000 ms',
  details: { attempt },
  localTime: 0,
});

describe('natsStatusLogger', () => {
  it('warns once per interval while NATS stays unreachable, then says how many were not logged', () => {
    const { log, lines } = capture();
    let now = 0;
    const onStatus = natsStatusLogger(log, 30_000, () => now);
    for (let i = 1; i <= 15; i++) {
      onStatus(unreachable(i)); // every 2 s: 0 … 28 s
      now += 2_000;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, nats: 'error', code: 'TW_ERR_NATS', details: { attempt: 1 } });
    onStatus(unreachable(16)); // 30 s after the first warning
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 40, repeated: 14, details: { attempt: 16 } });
  });

  it('a recovery is logged at info and the next problem is warned at once', () => {
    const { log, lines } = capture();
    const onStatus = natsStatusLogger(log, 30_000, () => 0);
    onStatus(unreachable(1));
    onStatus({ type: 'nats', state: 'open', code: 'TW_OK', reason: 'publishing to stream TICKWIRE', localTime: 0 });
    onStatus(unreachable(1));
    expect(lines.map((l) => l['level'])).toEqual([40, 30, 40]);
  });

  it('different problems are each warned', () => {
    const { log, lines } = capture();
    const onStatus = natsStatusLogger(log, 30_000, () => 0);
    onStatus(unreachable(1));
    onStatus({ type: 'nats', state: 'dropped', code: 'TW_ERR_NATS', reason: 'buffer full: 3 event(s) shed', localTime: 0 });
    expect(lines).toHaveLength(2);
  });
});
