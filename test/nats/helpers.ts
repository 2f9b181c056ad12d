import { Subject, type Observable, type Subscription } from 'rxjs';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { MarketEvent } from '../../src/schema/events.js';
import type { NatsStatus } from '../../src/nats/status.js';
import { BookRebuilder } from '../../src/sources/rebuild-books.js';
import type { SyntheticMarket } from './synthetic.js';

/** Polls `cond` every 20 ms; throws after `ms`. Bounded. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export interface Collected<T> {
  items: T[];
  sub: Subscription;
  done: boolean;
  error: unknown;
}

export function collect<T>(o: Observable<T>): Collected<T> {
  const c: Collected<T> = { items: [], sub: undefined as unknown as Subscription, done: false, error: undefined };
  c.sub = o.subscribe({
    next: (x) => c.items.push(x),
    error: (err: unknown) => {
      c.error = err;
      c.done = true;
    },
    complete: () => (c.done = true),
  });
  return c;
}

/** JetStream's own message count of a stream (not tickwire's). */
export async function streamMessageCount(url: string, stream: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

export function states(statuses: NatsStatus[]): string[] {
  return statuses.map((s) => s.state);
}

/** Feeds events into a subject in small batches, yielding to the event loop between batches. */
export async function feed(into: Subject<MarketEvent>, events: MarketEvent[], batch = 50): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    for (const e of events.slice(i, i + batch)) into.next(e);
    await new Promise((r) => setImmediate(r));
  }
}

export function rebuild(events: MarketEvent[]): BookRebuilder {
  const r = new BookRebuilder();
  for (const e of events) r.apply(e);
  return r;
}

/** Asserts every symbol of the market has a valid rebuilt book equal to the market's true book. */
export function booksMatch(r: BookRebuilder, m: SyntheticMarket): string[] {
  const problems: string[] = [];
  for (const s of m.symbols) {
    const b = r.books.get(`${m.exchange}:${s}@book`);
    if (b === undefined) problems.push(`${s}: no book`);
    else if (!b.valid) problems.push(`${s}: invalid`);
    else if (JSON.stringify(b.book.snapshot()) !== JSON.stringify(m.trueBook(s))) problems.push(`${s}: differs`);
  }
  return problems;
}

/** A market event's exchange-level identity (what a duplicate would share), for test-side counting. */
export function factId(e: MarketEvent): string {
  switch (e.type) {
    case 'book_delta':
      return `${e.exchange}:${e.symbol}:d:${e.updateId}`;
    case 'trade':
      return `${e.exchange}:${e.symbol}:t:${e.tradeId}`;
    case 'ticker':
      return `${e.exchange}:${e.symbol}:k:${e.exchangeTime}`;
    case 'book_snapshot':
      return `${e.exchange}:${e.symbol}:s:${e.updateId}`;
    default:
      return `${e.exchange}:${e.type}:${e.epoch}:${e.seq}`;
  }
}
