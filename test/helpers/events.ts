/** Records a connection's events and lets a test await a condition re-checked on every event. */
import { EventEmitter } from 'node:events';
import type { Observable } from 'rxjs';
import type { ConnectionEvent } from '../../src/connection/index.js';
import { untilChanged } from './until.js';

export type StatusOf = Extract<ConnectionEvent, { kind: 'status' }>;

export interface EventLog {
  events: ConnectionEvent[];
  completed: boolean;
  statuses(): StatusOf[];
  frames(): string[];
  until(cond: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): void;
}

export function recordEvents(events$: Observable<ConnectionEvent>): EventLog {
  const changed = new EventEmitter();
  changed.setMaxListeners(100);
  const log: EventLog = {
    events: [],
    completed: false,
    statuses: () => log.events.filter((e): e is StatusOf => e.kind === 'status'),
    frames: () => log.events.flatMap((e) => (e.kind === 'frame' ? [e.data] : [])),
    until(cond, timeoutMs, what) {
      return untilChanged(changed, cond, timeoutMs, what, () => `events: ${JSON.stringify(log.statuses().map((s) => `${s.state}:${s.code}`))}`);
    },
    stop: () => sub.unsubscribe(),
  };
  const sub = events$.subscribe({
    next: (e) => {
      log.events.push(e);
      changed.emit('change');
    },
    complete: () => {
      log.completed = true;
      changed.emit('change');
    },
  });
  return log;
}
