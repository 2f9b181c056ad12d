// The folder import graph of src/, checked against the layer rule of docs/architecture.md ("Layers"):
//   node scripts/import-graph.mjs            prints `folder → folder, …` per top-level folder of src/ (the block in
//                                            docs/architecture.md, "As measured"; test/docs/import-graph.test.ts)
//   node scripts/import-graph.mjs --counts   the same with the number of import statements per edge
//   node scripts/import-graph.mjs --json     { edges (with counts), cycles, violations }
// Exits 1 when the folders import each other in a cycle or a folder imports one its row of ALLOWED does not list.
// A unit is a top-level folder of src/ (`book`, `sinks`, …) or a root file (`errors.ts`, `config.ts`, `cli.ts`,
// `index.ts`). Every relative `import`/`export … from`, `import type`, side-effect import and `import()` counts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');

/** Entry points: may import anything; nothing but another entry point may import them. */
export const ENTRY_POINTS = ['api', 'cli', 'cli.ts', 'index.ts'];

/**
 * What each layer may import (docs/architecture.md, "Layers"), in the order of the flow
 * exchange → connection → sync → events → sinks. Foundations first.
 */
export const ALLOWED = {
  schema: [],
  util: [],
  'errors.ts': ['schema'],
  'config.ts': ['schema', 'errors.ts', 'util'],
  rest: ['util', 'errors.ts'],
  book: ['schema', 'util', 'errors.ts', 'rest'],
  exchanges: ['schema', 'util', 'errors.ts', 'book', 'rest'],
  connection: ['util', 'errors.ts', 'exchanges'],
  bars: ['schema', 'util'],
  pipeline: ['schema', 'util', 'errors.ts', 'config.ts', 'rest', 'book', 'exchanges', 'connection', 'bars'],
  operators: ['schema', 'util', 'book', 'bars'],
  nats: ['schema', 'util', 'errors.ts'],
  sinks: ['schema', 'util', 'errors.ts', 'book', 'pipeline', 'nats'],
  sources: ['schema', 'util', 'errors.ts', 'book', 'nats'],
  record: ['schema', 'util', 'errors.ts', 'config.ts', 'rest', 'exchanges', 'connection', 'pipeline', 'sinks'],
  sim: ['schema', 'util', 'errors.ts'],
};

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The unit a path under src/ belongs to: its top-level folder, or the root file itself. */
function unitOf(path) {
  return relative(SRC, path).split(sep)[0];
}

const SPECIFIERS = [
  /\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g, // import … from, export … from
  /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g, // import()
  /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm, // side-effect import
];

/** Comments dropped, so an example in a doc comment is not an import. Strings keep their slashes. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** edges: Map<from, Map<to, count>> over units, self-imports left out. */
export function measure() {
  const edges = new Map();
  for (const file of walk(SRC)) {
    const from = unitOf(file);
    const text = stripComments(readFileSync(file, 'utf8'));
    for (const re of SPECIFIERS) {
      for (const m of text.matchAll(re)) {
        const target = resolve(dirname(file), m[1]);
        if (!target.startsWith(SRC + sep)) continue;
        const to = unitOf(target.replace(/\.js$/, '.ts'));
        if (to === from) continue;
        const row = edges.get(from) ?? new Map();
        row.set(to, (row.get(to) ?? 0) + 1);
        edges.set(from, row);
      }
    }
  }
  return edges;
}

/**
 * The files of src/ that loading `entry` (a path under src/) loads: static imports and re-exports followed, file by
 * file; `import()` (loaded on first use) and type-only imports (erased by tsc) are not. Paths relative to src/.
 */
export function staticReach(entry) {
  const seen = new Set();
  const visit = (file) => {
    const rel = relative(SRC, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = stripComments(readFileSync(file, 'utf8'));
    const statements = /^\s*(?:import|export)\s+(type\s+)?([\w$*{}\s,]+?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s*()()['"](\.{1,2}\/[^'"]+)['"]/gm;
    for (const m of text.matchAll(statements)) {
      const [, typeOnly, clause = '', spec = m[6]] = m;
      if (typeOnly) continue;
      // `import { type A, type B } from …` is erased too; a statement naming any value binding loads the module
      const names = /^\{([\s\S]*)\}$/.exec(clause.trim())?.[1];
      if (names !== undefined && names.split(',').map((n) => n.trim()).filter(Boolean).every((n) => n.startsWith('type '))) continue;
      visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
    }
  };
  visit(resolve(SRC, entry));
  return [...seen].sort();
}

/** Every elementary cycle's first witness found by depth-first search, as `a → b → … → a`. */
export function cycles(edges) {
  const found = [];
  const state = new Map(); // 1 on the stack, 2 done
  const stack = [];
  const visit = (u) => {
    state.set(u, 1);
    stack.push(u);
    for (const v of [...(edges.get(u)?.keys() ?? [])].sort()) {
      if (state.get(v) === 1) found.push([...stack.slice(stack.indexOf(v)), v].join(' → '));
      else if (state.get(v) === undefined) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const u of [...edges.keys()].sort()) if (state.get(u) === undefined) visit(u);
  return found;
}

/** Imports the layer rule does not allow: `from → to`. */
export function violations(edges) {
  const out = [];
  for (const [from, row] of edges) {
    for (const to of row.keys()) {
      if (ENTRY_POINTS.includes(to) && !ENTRY_POINTS.includes(from)) out.push(`${from} → ${to} (an entry point)`);
      else if (ENTRY_POINTS.includes(from)) continue;
      else if (!(from in ALLOWED)) out.push(`${from} → ${to} (${from} is not in the layer table)`);
      else if (!ALLOWED[from].includes(to)) out.push(`${from} → ${to}`);
    }
  }
  return out.sort();
}

/** The graph as docs/architecture.md shows it: one line per importing unit, targets sorted by name. */
export function format(edges, { counts = false } = {}) {
  const names = [...edges.keys()].sort();
  const width = Math.max(...names.map((n) => n.length));
  return names
    .map((n) => {
      const row = edges.get(n);
      const targets = [...row.keys()].sort().map((t) => (counts ? `${t} (${row.get(t)})` : t));
      return `${n.padEnd(width)} → ${targets.join(', ')}`;
    })
    .join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const edges = measure();
  const c = cycles(edges);
  const v = violations(edges);
  if (process.argv.includes('--json')) {
    const plain = Object.fromEntries([...edges].map(([k, row]) => [k, Object.fromEntries(row)]));
    process.stdout.write(`${JSON.stringify({ edges: plain, cycles: c, violations: v }, null, 2)}\n`);
  } else {
    process.stdout.write(`${format(edges, { counts: process.argv.includes('--counts') })}\n`);
    for (const x of c) process.stderr.write(`cycle: ${x}\n`);
    for (const x of v) process.stderr.write(`against the flow: ${x}\n`);
  }
  if (c.length > 0 || v.length > 0) process.exitCode = 1;
}
