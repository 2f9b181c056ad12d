/**
 * Reads a recording (one file, a rotated chain followed from its first part, or an explicit list of parts) as
 * parsed records, with lookahead. A header of another format or version is refused (TwError TW_ERR_RECORDING)
 * before anything replays. Damage — a corrupt or cut gzip stream, a line that is not JSON or not a record, a
 * part that is missing, a file that ends without its `end`/`next` record — ends the stream there and is kept in
 * `damage` (file, 1-based line, reason); every record before it is delivered.
 */
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { createGunzip, constants as zc } from 'node:zlib';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { TwError } from '../errors.js';
import { RECORDING_FORMAT, RECORDING_VERSION, RecordLine, RecordingHeader } from './format.js';

export interface Damage {
  file: string;
  /** 1-based line of the file (the header is line 1). */
  line: number;
  reason: string;
}

type LineItem = { line: string; no: number } | { error: string; no: number } | { partial: string; no: number };

/**
 * Lines of a gzip file; a decoding error or a last line without newline becomes an item, not a throw. The bytes
 * are decoded as one UTF-8 stream (a character split between two chunks stays whole), and a file cut short yields
 * every line zlib can still decode (`finishFlush: Z_SYNC_FLUSH`, what `zcat` recovers), its cut last line a `partial`.
 */
async function* gzLines(file: string, read: { bytes: number }): AsyncGenerator<LineItem> {
  const gunzip = createGunzip({ finishFlush: zc.Z_SYNC_FLUSH });
  const text = new StringDecoder('utf8');
  const source = createReadStream(file);
  source.on('data', (c) => {
    read.bytes += c.length; // compressed bytes, for progress
  });
  let openError: Error | undefined;
  pipeline(source, gunzip, (err) => {
    if (err) openError ??= err;
  });
  let rest = '';
  let no = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      rest += text.write(chunk);
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        yield { line, no: ++no };
      }
    }
  } catch (err) {
    const msg = (openError ?? (err as Error)).message;
    yield { error: rest.length > 0 ? `${msg} (inside line ${no + 1})` : msg, no: no + 1 };
    return;
  }
  if (openError) {
    yield { error: openError.message, no: no + 1 };
    return;
  }
  rest += text.end(); // an incomplete character at the very end becomes U+FFFD inside the cut last line
  if (rest.length > 0) yield { partial: rest, no: no + 1 };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function refuse(file: string, why: string): never {
  throw new TwError('TW_ERR_RECORDING', `${file}: ${why}`, { file });
}

/** Check a header line; throws a clear refusal. */
function parseHeader(file: string, item: LineItem | undefined): RecordingHeader {
  if (item === undefined) refuse(file, 'empty file, not a tickwire recording');
  if (!('line' in item)) {
    refuse(file, `not a readable tickwire recording (${'error' in item ? item.error : 'no complete header line'})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(item.line);
  } catch {
    refuse(file, 'not a tickwire recording (its first line is not JSON)');
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (o.format !== RECORDING_FORMAT) {
    refuse(file, `not a tickwire recording (format ${JSON.stringify(o.format ?? null)}, expected "${RECORDING_FORMAT}")`);
  }
  if (o.version !== RECORDING_VERSION) {
    refuse(file, `recording format version ${JSON.stringify(o.version ?? null)} is not supported (this tickwire reads version ${RECORDING_VERSION})`);
  }
  const h = RecordingHeader.safeParse(raw);
  if (!h.success) {
    refuse(file, `bad recording header: ${h.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return h.data;
}

export class RecordingReader {
  private readonly buf: RecordLine[] = [];
  private head = 0;
  private lines: AsyncGenerator<LineItem>;
  private file: string;
  private partNo = 0;
  private done = false;
  private lastLine = 1;
  damage: Damage | undefined;
  /** Records delivered so far. */
  delivered = 0;
  /** Compressed bytes read so far, over every part. */
  readonly read: { bytes: number };

  private constructor(
    readonly header: RecordingHeader,
    private readonly list: readonly string[] | undefined,
    first: string,
    lines: AsyncGenerator<LineItem>,
    read: { bytes: number },
  ) {
    this.read = read;
    this.file = first;
    this.lines = lines;
  }

  /** Open a recording: a file (its rotated chain is followed) or the list of its parts in order. */
  static async open(input: string | readonly string[]): Promise<RecordingReader> {
    const list = typeof input === 'string' ? undefined : input;
    const first = typeof input === 'string' ? input : input[0];
    if (first === undefined) throw new TwError('TW_ERR_RECORDING', 'no recording file given');
    const read = { bytes: 0 };
    const lines = gzLines(first, read);
    const header = parseHeader(first, (await lines.next()).value as LineItem | undefined);
    if (header.part !== 0) refuse(first, `this is part ${header.part} of a rotated recording; replay starts at its first part`);
    return new RecordingReader(header, list, first, lines, read);
  }

  /** The file being read now. */
  get currentFile(): string {
    return this.file;
  }

  get buffered(): number {
    return this.buf.length - this.head;
  }

  /** Record `i` places ahead (0 = the next one), if already buffered. */
  peek(i = 0): RecordLine | undefined {
    return this.buf[this.head + i];
  }

  shift(): RecordLine | undefined {
    if (this.head >= this.buf.length) return undefined;
    const r = this.buf[this.head++];
    this.delivered++;
    if (this.head > 4096) {
      this.buf.splice(0, this.head);
      this.head = 0;
    }
    return r;
  }

  /** Buffer at least `n` records (fewer at the end of the recording or at damage). */
  async fill(n: number): Promise<void> {
    while (!this.done && this.buffered < n) await this.readOne();
  }

  private stop(no: number, reason: string): void {
    this.damage = { file: this.file, line: no, reason };
    this.done = true;
  }

  private async readOne(): Promise<void> {
    const it = await this.lines.next();
    if (it.done) {
      this.stop(this.lastLine + 1, 'the recording ends without an end record (cut short, or the recorder was killed)');
      return;
    }
    const item = it.value;
    this.lastLine = item.no;
    if ('error' in item) return this.stop(item.no, `corrupt or cut-short gzip data: ${item.error}`);
    if ('partial' in item) return this.stop(item.no, 'the line is cut short (the file ends inside it)');
    let raw: unknown;
    try {
      raw = JSON.parse(item.line);
    } catch (err) {
      return this.stop(item.no, `not JSON: ${describe(err)}`);
    }
    const r = RecordLine.safeParse(raw);
    if (!r.success) {
      return this.stop(item.no, `not a recording record: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    const rec = r.data;
    if (rec.k === 'end') {
      this.done = true;
      return;
    }
    if (rec.k === 'next') return this.nextPart(rec.file);
    this.buf.push(rec);
  }

  private async nextPart(named: string): Promise<void> {
    this.partNo++;
    const next = this.list ? this.list[this.partNo] : join(dirname(this.file), named);
    const at = this.lastLine;
    if (next === undefined) return this.stop(at, `the recording continues in ${named}, which was not given`);
    const lines = gzLines(next, this.read);
    let header: RecordingHeader;
    try {
      header = parseHeader(next, (await lines.next()).value as LineItem | undefined);
    } catch (err) {
      return this.stop(at, `cannot continue in the next part: ${describe(err)}`);
    }
    if (header.part !== this.partNo || header.origin !== this.header.origin) {
      return this.stop(at, `${next} is not part ${this.partNo} of this recording (part ${header.part}, origin ${header.origin})`);
    }
    this.file = next;
    this.lines = lines;
    this.lastLine = 1;
  }
}
