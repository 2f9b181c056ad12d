/** The source of `localTime`: integer epoch microseconds. Injected so replay and tests control time. */
export interface Clock {
  nowMicros(): number;
}

const origin = Date.now() * 1000 - Math.round(performance.now() * 1000);

/** Wall clock with sub-millisecond resolution (performance.now anchored to Date.now at start). */
export const systemClock: Clock = {
  nowMicros: () => origin + Math.round(performance.now() * 1000),
};
