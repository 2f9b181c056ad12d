/**
 * `tickwire_events_total{exchange,type}`: one counter per exchange and event type, found without building a key per
 * event — and for a run of one type (a burst of deltas) without even the two map lookups: the previous event's
 * counter is tried first.
 */
import type { Metrics } from './metrics.js';

type EventCounter = { readonly exchange: string; readonly type: string; readonly counter: { value: number } };

export class EventCounters {
  private readonly byExchange = new Map<string, Map<string, EventCounter>>();
  private last: EventCounter | undefined;

  constructor(private readonly metrics: Metrics) {}

  count(exchange: string, type: string): void {
    let c = this.last;
    if (c === undefined || c.exchange !== exchange || c.type !== type) c = this.last = this.of(exchange, type);
    c.counter.value++;
  }

  private of(exchange: string, type: string): EventCounter {
    let byType = this.byExchange.get(exchange);
    if (byType === undefined) this.byExchange.set(exchange, (byType = new Map()));
    let c = byType.get(type);
    if (c === undefined) byType.set(type, (c = { exchange, type, counter: this.metrics.counter('tickwire_events_total', { exchange, type }) }));
    return c;
  }
}
