/**
 * `instruments(exchange)`: every instrument an exchange lists, as `InstrumentRecord`s (src/schema/instrument.ts) —
 * read with the same request and parser the pipeline validates symbols with (one hub, one REST call, closed after).
 */
import { parseConfig, type TickwireConfigInput } from '../config.js';
import { Hub, type HubDeps } from '../pipeline/hub.js';
import type { ExchangeId } from '../schema/events.js';
import { InstrumentRecord } from '../schema/instrument.js';

export interface InstrumentsOptions extends Omit<TickwireConfigInput, 'markets' | 'channels'>, HubDeps {}

/** The exchange's instruments, sorted by native id. Rejects (TwError) when the list cannot be fetched or read. */
export async function instruments(exchange: ExchangeId, options: InstrumentsOptions = {}): Promise<InstrumentRecord[]> {
  const { scheduler, clock, logger, createConnection, http, random, adapters, ...input } = options;
  const config = parseConfig(input);
  const hub = new Hub(config, {
    ...(scheduler ? { scheduler } : {}),
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    ...(createConnection ? { createConnection } : {}),
    ...(http ? { http } : {}),
    ...(random ? { random } : {}),
    ...(adapters ? { adapters } : {}),
  });
  try {
    const list = await hub.instruments(exchange);
    return list
      .map((i) => InstrumentRecord.parse({ type: 'instrument', exchange, ...i }))
      .sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  } finally {
    hub.close();
  }
}
