/**
 * OKX v5 book rules (docs/protocols/okx.md#book, #sequence, #checksum).
 *
 * Continuity: every message carries `seqId` and `prevSeqId`; an update applies iff `prevSeqId == last seqId`. The
 * documented exceptions follow from that one rule: the ~60 s keepalive update (`seqId == prevSeqId`, empty sides)
 * chains and is a no-op; the post-maintenance reset (`seqId < prevSeqId`) chains by `prevSeqId` and the local id
 * then goes *down* to the new `seqId`.
 *
 * Snapshots: in-band `action: "snapshot"` when OKX sends one; when the first book message of a subscription is an
 * update (the announced removal of the initial snapshot) the REST path is used: `GET /api/v5/market/books`,
 * refetch while the snapshot's `seqId` is older than the first buffered `prevSeqId`, drop buffered updates with
 * `seqId <= snapshot seqId`, and the first applied one must satisfy `prevSeqId <= snapshot seqId < seqId`.
 *
 * Checksum: the signed CRC32 of the first 25 levels interleaved `bid:ask` (original strings) is verified whenever the
 * message carries a non-zero `checksum`; OKX sends 0 ("absent") since 2026-06-23.
 *
 * Integrity: `chained` — every update's `prevSeqId` is checked. The checksum, when present, is an additional check
 * and is not what `integrity` claims (it is absent on today's feed). The `sequence: 'when-present'` variant exists
 * for feeds recorded before `seqId` existed (2021–2023 captures, OKCoin): there the chain cannot be checked, only the
 * checksum can, and `integrity` says `checksum` over 25 levels. The live rules switch a book to that variant (with
 * the checksum required on every message) when its in-band snapshot has no `seqId` but a non-zero checksum
 * (`variantFor`); a snapshot with neither is still refused.
 */
import { TwError } from '../../errors.js';
import type { OrderBook } from '../../book/order-book.js';
import type { BookRules, Continuity, DeltaMessage, RestRequest, RestSnapshot } from '../types.js';
import { crc32Signed } from '../../util/crc32.js';
import { OkxRestBooksResponse } from './wire.js';

export const OKX_CHECKSUM_DEPTH = 25;
/** `books` is 400 levels per side; REST `sz` max 400 (default 1!). */
export const OKX_BOOK_DEPTH = 400;

/** The checksum input: `bid1px:bid1sz:ask1px:ask1sz:…` over the first `depth` levels; a side that runs out is
 * skipped. Prices and sizes are the strings as received. */
export function okxChecksumString(book: OrderBook, depth = OKX_CHECKSUM_DEPTH): string {
  const { bids, asks } = book.top(depth);
  const parts: string[] = [];
  for (let i = 0; i < depth; i++) {
    const b = bids[i];
    const a = asks[i];
    if (b === undefined && a === undefined) break;
    if (b !== undefined) parts.push(b[0], b[1]);
    if (a !== undefined) parts.push(a[0], a[1]);
  }
  return parts.join(':');
}

/** Signed CRC32 of the checksum string. */
export function okxChecksum(book: OrderBook, depth = OKX_CHECKSUM_DEPTH): number {
  return crc32Signed(okxChecksumString(book, depth));
}

export interface OkxBookRulesOptions {
  /** `required` (live OKX): a message without seqId/prevSeqId is a gap. `when-present`: recordings made before
   * OKX sent seqId — the chain is checked only where present and integrity rests on the checksum. */
  sequence?: 'required' | 'when-present';
  /** `required`: a message without a non-zero checksum fails verification (the book's integrity rests on it). */
  checksum?: 'when-present' | 'required';
}

function restSnapshotRequest(market: string, depth: number): RestRequest {
  const sz = Math.max(1, Math.min(OKX_BOOK_DEPTH, depth));
  return { path: `/api/v5/market/books?instId=${encodeURIComponent(market)}&sz=${sz}`, weight: 1 };
}

function parseRestSnapshot(body: string): RestSnapshot {
  const json: unknown = JSON.parse(body);
  const r = OkxRestBooksResponse.safeParse(json);
  if (!r.success) {
    const code = typeof json === 'object' && json !== null && 'code' in json ? String(json.code) : '';
    if (code === '51001') throw new TwError('TW_ERR_UNKNOWN_SYMBOL', `OKX REST books: instrument does not exist`);
    throw new TwError('TW_ERR_EXCHANGE_ERROR', `OKX REST books: unexpected body (code ${code || '?'})`);
  }
  if (r.data.code !== '0') throw new TwError('TW_ERR_EXCHANGE_ERROR', `OKX REST books error ${r.data.code}: ${r.data.msg ?? ''}`);
  const d = r.data.data[0]!;
  const ms = Number(d.ts);
  const snap: RestSnapshot = {
    updateId: d.seqId,
    bids: d.bids.map((l) => [l[0], l[1]]),
    asks: d.asks.map((l) => [l[0], l[1]]),
  };
  if (Number.isSafeInteger(ms)) snap.exchangeTime = ms * 1000;
  return snap;
}

export function okxBookRules(options: OkxBookRulesOptions = {}): BookRules {
  const required = (options.sequence ?? 'required') === 'required';
  const checksumRequired = options.checksum === 'required';
  const unsequenced: Continuity = required ? 'gap' : 'apply';
  // live rules: a book whose snapshot has no seqId but a checksum is verified by checksum (see BookRules.variantFor)
  let checksumVariant: BookRules | undefined;
  const variantFor = (snap: DeltaMessage): BookRules | undefined =>
    snap.updateId === undefined && snap.checksum !== undefined && snap.checksum !== 0
      ? (checksumVariant ??= okxBookRules({ sequence: 'when-present', checksum: 'required' }))
      : undefined;
  return {
    ...(required ? { variantFor } : {}),
    integrity: required ? 'chained' : 'checksum',
    snapshot: 'inband-or-rest',
    resync: 'resubscribe',
    checksumDepth: OKX_CHECKSUM_DEPTH,
    snapshotRequest: restSnapshotRequest,
    parseSnapshot: parseRestSnapshot,
    snapshotTooOld(snapshotId: number, firstBuffered: DeltaMessage): boolean {
      return firstBuffered.prevUpdateId !== undefined && snapshotId < firstBuffered.prevUpdateId;
    },
    first(snapshotId: number, delta: DeltaMessage): Continuity {
      const seq = delta.updateId;
      const prev = delta.prevUpdateId;
      if (seq === undefined || prev === undefined) return unsequenced;
      if (prev === snapshotId) return 'apply'; // chains (in-band snapshot; keepalive; reset)
      if (prev > snapshotId) return 'gap';
      // prev < snapshotId: a buffered update older than a REST snapshot, or one that straddles it (its absolute
      // sizes are correct on top of the snapshot).
      return seq <= snapshotId ? 'drop' : 'apply';
    },
    next(localId: number, delta: DeltaMessage): Continuity {
      const prev = delta.prevUpdateId;
      if (delta.updateId === undefined || prev === undefined) return unsequenced;
      return prev === localId ? 'apply' : 'gap';
    },
    verifyChecksum(book: OrderBook, msg: DeltaMessage): boolean | undefined {
      if (msg.checksum === undefined || msg.checksum === 0) return checksumRequired ? false : undefined;
      return okxChecksum(book) === msg.checksum;
    },
  };
}
