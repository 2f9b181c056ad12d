export { startServer, type StartServerOptions, type TickwireServer } from './server.js';
export { ServerSettings, ServerLimits, type ServerSettingsInput } from './options.js';
export { parseStreamName, ClientCommand, type StreamName } from './protocol.js';
export { CLOSE_SLOW_CONSUMER } from './session.js';
