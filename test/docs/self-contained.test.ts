/**
 * The repository carries its own facts: no file refers to notes outside it (a sibling `shared` folder, a build
 * machine's paths, the old out-of-repo protocol notes by section number), and every pointer into
 * docs/protocols/ names a file and a heading that exist.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Not part of the repository: installed, built or scratch (see .gitignore). */
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.tmp', 'results']);

function repoFiles(dir = ROOT, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) repoFiles(join(dir, entry.name), out);
    } else if (entry.isFile() && entry.name !== '.git' && !entry.name.endsWith('.log')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

// built from pieces so this file does not match itself
const FORBIDDEN = [['..', 'shared'].join('/'), ['', 'work', ''].join('/'), ['PROTOCOLS', 'md §'].join('.')];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m === null) continue;
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('the repository is self-contained', () => {
  const files = repoFiles();

  it('walks the whole tree (sources, tests, docs, fixtures)', () => {
    const rel = files.map((f) => relative(ROOT, f));
    for (const expected of ['README.md', 'src/index.ts', 'docs/architecture.md', 'fixtures/README.md']) {
      expect(rel).toContain(expected);
    }
  });

  it('no file refers to notes outside the repository', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      for (const needle of FORBIDDEN) if (text.includes(needle)) offenders.push(`${relative(ROOT, file)}: ${needle}`);
    }
    expect(offenders).toEqual([]);
  });

  it('every pointer into docs/protocols names an existing file and heading', () => {
    const docs = new Map<string, Set<string>>();
    for (const entry of readdirSync(join(ROOT, 'docs/protocols'))) {
      if (entry.endsWith('.md')) docs.set(entry, anchorsOf(readFileSync(join(ROOT, 'docs/protocols', entry), 'utf8')));
    }
    expect([...docs.keys()].sort()).toEqual(['README.md', 'binance.md', 'bybit.md', 'coinbase.md', 'deribit.md', 'kraken.md', 'okx.md']);
    const broken: string[] = [];
    let pointers = 0;
    for (const file of files) {
      if (!/\.(ts|mjs|md|json)$/.test(file)) continue;
      const text = readFileSync(file, 'utf8');
      // `docs/protocols/okx.md#checksum`, and the short `okx.md#checksum` used where the path is already named
      for (const m of text.matchAll(/(?:docs\/protocols\/)?\b([A-Za-z-]+\.md)(?:#([a-z0-9-]+))?/g)) {
        const [whole, name, anchor] = m;
        const short = !whole.startsWith('docs/protocols/');
        if (short && (anchor === undefined || name === 'README.md' || !docs.has(name!))) continue;
        pointers++;
        const anchors = docs.get(name!);
        if (anchors === undefined) {
          broken.push(`${relative(ROOT, file)}: ${whole} (no such file)`);
          continue;
        }
        // more headings of the same file may follow: `okx.md#book, #sequence`
        const more = /^(?:, #[a-z0-9-]+)+/.exec(text.slice(m.index + whole.length))?.[0] ?? '';
        const named = [anchor, ...more.split(', #').slice(1)].filter((a): a is string => a !== undefined);
        for (const a of named) if (!anchors.has(a)) broken.push(`${relative(ROOT, file)}: ${name}#${a} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
    expect(pointers).toBeGreaterThan(40);
  });
});
