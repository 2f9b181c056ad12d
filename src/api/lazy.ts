/**
 * The parts of the embedded API an application that only streams does not need — the simulator, the local server,
 * the NATS sink and source — load their implementation on first use. `import { stream } from 'tickwire'` then
 * carries no simulator, HTTP/WebSocket server or NATS client: less to load, and less of the process's memory
 * (the survivors of module loading are what make V8 grow its young generation).
 *
 * Each wrapper keeps the signature and the behaviour of what it wraps: options are still validated at the call
 * (`publishToNats` / `fromNats` throw on bad options at once), the Observables start on subscribe.
 */
import { defer, switchMap, type Observable } from 'rxjs';
import type { MarketEvent } from '../schema/events.js';
import type { SimOptions, Simulator } from '../sim/index.js';
import type { StartServerOptions, TickwireServer } from '../sinks/server/server.js';
import type { PublishDeps } from '../sinks/nats/publish.js';
import type { FromNatsDeps } from '../sources/nats.js';
import type { NatsStatus } from '../nats/status.js';
import { NatsConsumeOptions, NatsPublishOptions } from '../nats/options.js';

/** Start the exchange simulator (see `tickwire sim`). */
export async function startSim(options: SimOptions = {}): Promise<Simulator> {
  return (await import('../sim/index.js')).startSim(options);
}

/** Start the local WebSocket server on a hub. */
export async function startServer(options: StartServerOptions): Promise<TickwireServer> {
  return (await import('../sinks/server/server.js')).startServer(options);
}

/** Publish events to NATS JetStream; emits the sink's own status. */
export function publishToNats(events$: Observable<MarketEvent>, options: NatsPublishOptions = {}, deps: PublishDeps = {}): Observable<NatsStatus> {
  NatsPublishOptions.parse(options);
  return defer(() => import('../sinks/nats/publish.js')).pipe(switchMap((m) => m.publishToNats(events$, options, deps)));
}

/** The events a tickwire publisher stored in NATS JetStream. */
export function fromNats(options: NatsConsumeOptions = {}, deps: FromNatsDeps = {}): Observable<MarketEvent> {
  NatsConsumeOptions.parse(options);
  return defer(() => import('../sources/nats.js')).pipe(switchMap((m) => m.fromNats(options, deps)));
}
