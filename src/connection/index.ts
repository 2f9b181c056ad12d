export { createConnection, FORCED_CLOSE_CODE } from './connection.js';
export type { Connection, ConnectionEvent, ConnectionOptions, ConnectionState, BackoffOptions } from './types.js';
export { DEFAULT_BACKOFF, backoffDelay, backoffCap } from '../util/backoff.js';
