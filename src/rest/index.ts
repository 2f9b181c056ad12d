export { RestScheduler, RestSchedulerRegistry } from './scheduler.js';
export type { RestEvent, RestSchedulerOptions, HttpGet, RestResponse } from './scheduler.js';
export { nodeHttpGet } from './http.js';
export { parseRetryAfter } from './retry-after.js';
