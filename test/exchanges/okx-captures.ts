/**
 * The real OKX captures in fixtures/okx/ (provenance: fixtures/README.md), read as the received text frames, each
 * file checked byte for byte against its original's SHA-256.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const FIX = new URL('../../fixtures/okx/', import.meta.url);

export interface OkxCaptureFile {
  file: string;
  sha256: string;
  /** `cryptofeed`: gzip, `<ts>: <json>` per received frame (sent frames and connects start with the URL); `lines`: one frame a line. */
  format: 'cryptofeed' | 'lines';
}

export const OKX_2022: OkxCaptureFile = { file: 'cryptofeed-OKX.ws.1.0.gz', sha256: 'a9b65fb84bda877ac799d3afe6e3630f0929751b31c6fa1bb4a55e0e6aceac91', format: 'cryptofeed' };
export const OKEX_2021: OkxCaptureFile = { file: 'cryptofeed-OKEX.ws.1.0.gz', sha256: 'efc619da85b567b281beff8cf3675a6d8957ccd173b6b57d6fa693abfa78dfe8', format: 'cryptofeed' };
export const OKCOIN_BOOKS: OkxCaptureFile = { file: 'gocryptotrader-okcoin_books_inline.jsonl', sha256: '6542cb613c209b2cb23edd517d6138f80dc641b432bfe2c8e11cbe5e210b4d41', format: 'lines' };

export function okxCapture(c: OkxCaptureFile): string[] {
  const stored = readFileSync(new URL(c.file, FIX));
  const raw = c.format === 'cryptofeed' ? gunzipSync(stored) : stored;
  const sha = createHash('sha256').update(raw).digest('hex');
  if (sha !== c.sha256) throw new Error(`${c.file}: SHA-256 ${sha}, not the original capture's ${c.sha256}`);
  const lines = raw.toString('utf8').split('\n');
  if (c.format === 'lines') return lines.map((l) => l.trim()).filter((l) => l !== '');
  return lines.filter((l) => l !== '' && !l.startsWith('wss://')).map((l) => l.slice(l.indexOf(': ') + 2));
}
