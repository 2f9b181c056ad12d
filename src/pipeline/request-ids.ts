/**
 * Request ids of subscribe and unsubscribe messages: each id tickwire puts in a subscribe message is remembered
 * with the streams it carried, because an exchange's error reply may name only the id (Binance
 * `{"error":…,"id":7}`). Acks delete their entry; the map stays bounded if an exchange never acks. Pure bookkeeping,
 * one per runtime (ids are unique within it).
 */
import type { AdapterContext, ExchangeAdapter, StreamRef } from '../exchanges/types.js';

/** Request ids are numbers tickwire generated; some exchanges echo them as strings (OKX `"id":"12"`). */
export function requestKey(id: string | number | undefined): number | undefined {
  if (typeof id === 'number') return id;
  if (typeof id === 'string' && /^\d+$/.test(id)) return Number(id);
  return undefined;
}

export class RequestIds {
  private next = 1;
  /** Subscribe request id → the streams it carried. */
  private readonly streams = new Map<number, StreamRef[]>();

  constructor(private readonly max = 1000) {}

  /** Subscribe requests waiting for an ack or an error. */
  get pending(): number {
    return this.streams.size;
  }

  /** Build (un)subscribe messages with fresh ids, remembering which streams each subscribe request carried. */
  build(adapter: ExchangeAdapter, kind: 'subscribe' | 'unsubscribe', refs: readonly StreamRef[], ctx: AdapterContext): string[] {
    const ids: number[] = [];
    const msgs = adapter[kind](refs, ctx, () => {
      const id = this.next++;
      ids.push(id);
      return id;
    });
    if (kind === 'subscribe') {
      for (const id of ids) this.streams.set(id, [...refs]);
      while (this.streams.size > this.max) this.streams.delete(this.streams.keys().next().value!);
    }
    return msgs;
  }

  /** An ack (of a string or number id): the request is done. */
  ack(id: string | number | undefined): void {
    const key = requestKey(id);
    if (key !== undefined) this.streams.delete(key);
  }

  /** An error reply naming `id`: the streams that request carried (forgotten now), or undefined. */
  take(id: string | number | undefined): StreamRef[] | undefined {
    const key = requestKey(id);
    if (key === undefined) return undefined;
    const refs = this.streams.get(key);
    if (refs !== undefined) this.streams.delete(key);
    return refs;
  }
}
