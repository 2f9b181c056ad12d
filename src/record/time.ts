/**
 * Recorded time. While recording (and replaying) the pipeline reads one clock: the local time of the input being
 * handled — a frame, a connection status, a REST outcome, a timer firing — constant while it is handled. Its
 * scheduler numbers every timer it arms; a recording logs each firing by number, and replay fires exactly those
 * timers at exactly those times, so watchdog, backoff and resync decisions come out the same.
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Clock } from '../util/clock.js';

/** The current recorded time (epoch µs). */
export class TimeCell implements Clock {
  constructor(public micros: number) {}
  nowMicros(): number {
    return this.micros;
  }
  nowMs(): number {
    return Math.floor(this.micros / 1000);
  }
}

interface TimerHost {
  arm(action: NumberedAction<unknown>, delay: number): void;
  disarm(action: NumberedAction<unknown>): void;
  nextId(): number;
}

/** An rxjs scheduler action with a number per arming (a reschedule from inside its work takes a new one). */
export class NumberedAction<T> extends Subscription implements SchedulerAction<T> {
  id = -1;
  armed = false;
  inner: Subscription | undefined;
  private state: T | undefined;

  constructor(
    private readonly host: TimerHost,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
    this.add(() => {
      if (this.armed) this.host.disarm(this as NumberedAction<unknown>);
      this.armed = false;
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    if (this.armed) this.host.disarm(this as NumberedAction<unknown>);
    this.state = state;
    this.id = this.host.nextId();
    this.armed = true;
    this.host.arm(this as NumberedAction<unknown>, delay);
    return this;
  }

  run(): void {
    this.armed = false;
    if (this.closed) return;
    this.work.call(this, this.state);
  }
}

abstract class NumberingScheduler implements SchedulerLike, TimerHost {
  private seq = 0;
  constructor(protected readonly time: TimeCell) {}

  now(): number {
    return this.time.nowMs();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state: T) => void, delay?: number, state?: T): Subscription {
    const action = new NumberedAction<T>(this, work as (this: SchedulerAction<T>, state?: T) => void);
    return action.schedule(state, delay ?? 0);
  }

  nextId(): number {
    return this.seq++;
  }

  abstract arm(action: NumberedAction<unknown>, delay: number): void;
  abstract disarm(action: NumberedAction<unknown>): void;
}

/** Live: timers run on a real scheduler; each firing sets the time and is reported (`onFire`) before its work. */
export class RecordingScheduler extends NumberingScheduler {
  constructor(
    time: TimeCell,
    private readonly base: SchedulerLike,
    private readonly realClock: Clock,
    private readonly onFire: (id: number) => void,
  ) {
    super(time);
  }

  arm(action: NumberedAction<unknown>, delay: number): void {
    const id = action.id;
    action.inner = this.base.schedule(() => {
      if (!action.armed || action.id !== id) return;
      this.time.micros = Math.max(this.time.micros, this.realClock.nowMicros());
      this.onFire(id);
      action.run();
    }, delay);
  }

  disarm(action: NumberedAction<unknown>): void {
    action.inner?.unsubscribe();
    action.inner = undefined;
  }
}

/** Replay: timers fire only when the recording says so (`fire(id)`); delays are not used. */
export class ReplayScheduler extends NumberingScheduler {
  private readonly armed = new Map<number, NumberedAction<unknown>>();

  arm(action: NumberedAction<unknown>): void {
    this.armed.set(action.id, action);
  }

  disarm(action: NumberedAction<unknown>): void {
    this.armed.delete(action.id);
  }

  /** Run timer `id`; false when no such timer is armed (the replay diverged from the recording). */
  fire(id: number): boolean {
    const action = this.armed.get(id);
    if (action === undefined) return false;
    this.armed.delete(id);
    action.run();
    return true;
  }

  get pending(): number {
    return this.armed.size;
  }
}
