/** The embedded API. */
export { stream, type StreamOptions, type StreamRecordOptions } from './api/stream.js';
export { replay, type ReplayOptions, type ReplayResult } from './record/replay.js';
export type { RecordOptions } from './record/recorder.js';
export type { Damage } from './record/reader.js';
export { books, type MaintainedBook } from './operators/books.js';
export { OrderBook, compareDecimal, canonicalDecimal } from './book/order-book.js';
export { Hub, type StreamSpec, type HubDeps } from './pipeline/hub.js';
export * from './schema/events.js';
export { TwError, CODES, type TwCode, type TwErrorCode } from './errors.js';
export { TickwireConfig, parseConfig, type TickwireConfigInput } from './config.js';
export { startSim, type Simulator } from './sim/index.js';
export { startServer, type StartServerOptions, type TickwireServer } from './server/index.js';
