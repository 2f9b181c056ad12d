/**
 * The gap status a NATS publisher puts in place of data events it had to drop (see publish-queue.ts): a
 * MarketEvent status (`state: "gap"`, `TW_ERR_NATS`) whose `details` are GapDetails (`streamKey`, `epoch`,
 * `fromSeq`, `toSeq`, `dropped`) of the data stream. Its own seq/epoch are the publisher's (`nats-publisher-…`),
 * so it never takes a slot in the pipeline's `@status` sequence. Older markers among the removed entries are
 * merged in (their ranges and counts), so at most one marker per stream is ever buffered.
 */
import { randomBytes } from 'node:crypto';
import type { MarketEvent, StatusEvent } from '../../schema/events.js';
import { dataKeyOf, gapDetailsOf } from '../../nats/subjects.js';

export interface MarkerIssuer {
  readonly epoch: string;
  readonly seqs: Map<string, number>;
}

export function newMarkerIssuer(): MarkerIssuer {
  return { epoch: `nats-publisher-${randomBytes(6).toString('hex')}`, seqs: new Map() };
}

export function makeGapMarker(removed: MarketEvent[], issuer: MarkerIssuer, nowMicros: number): StatusEvent | undefined {
  const data = removed.filter((e) => dataKeyOf(e) !== undefined);
  const ownMarkers = removed.filter((e) => e.epoch === issuer.epoch);
  const first = data[0] ?? ownMarkers[0];
  const lastData = data[data.length - 1];
  if (first === undefined) return undefined;
  let fromSeq = data[0]?.seq ?? Number.MAX_SAFE_INTEGER;
  let toSeq = lastData?.seq ?? 0;
  let dropped = data.length;
  let epoch = lastData?.epoch;
  let streamKey = dataKeyOf(first);
  for (const m of ownMarkers) {
    const g = gapDetailsOf(m);
    if (g === undefined) continue;
    fromSeq = Math.min(fromSeq, g.fromSeq);
    toSeq = Math.max(toSeq, g.toSeq);
    dropped += g.dropped;
    streamKey ??= g.streamKey;
    epoch ??= g.epoch;
  }
  if (streamKey === undefined || epoch === undefined || toSeq === 0) return undefined;
  const seq = (issuer.seqs.get(streamKey) ?? 0) + 1;
  issuer.seqs.set(streamKey, seq);
  const channel = streamKey.slice(streamKey.lastIndexOf('@') + 1);
  const e: StatusEvent = {
    type: 'status',
    scope: 'stream',
    exchange: first.exchange,
    state: 'gap',
    code: 'TW_ERR_NATS',
    reason: `NATS publisher buffer full: ${dropped} event(s) of ${streamKey} dropped (seq ${fromSeq}..${toSeq})`,
    details: { streamKey, epoch, fromSeq, toSeq, dropped },
    localTime: nowMicros,
    seq,
    epoch: issuer.epoch,
  };
  if (first.symbol !== undefined) e.symbol = first.symbol;
  if (channel === 'book' || channel === 'ticker' || channel === 'trades') e.channel = channel;
  if ('market' in first && first.market !== undefined) e.market = first.market;
  return e;
}
