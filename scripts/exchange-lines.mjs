// What an exchange costs in lines, and the largest source files:
//   node scripts/exchange-lines.mjs [--top N]
// Exchanges are grouped by family (the exchange id up to its first '-': `okx-swap` counts with `okx`), ids read from
// EXCHANGE_IDS in src/schema/events.ts. A file belongs to family F when its path is
//   adapter    src/exchanges/F.ts, src/exchanges/F-*.ts, src/exchanges/F/**
//   simulator  src/sim/F.ts, src/sim/F-*.ts, src/sim/F/**
//   tests      test/**/F.*, test/**/F-*, test/**/F/** (conformance calls, unit, e2e, fault-matrix, sim tests)
// Shared code (the seam, the book, the pipeline, the simulator framework, test helpers) counts for no exchange.
// Lines are physical lines (`wc -l`), comments included.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (/\.(ts|mts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

function lines(path) {
  const text = readFileSync(path, 'utf8');
  return text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

export function families() {
  const events = readFileSync(join(ROOT, 'src/schema/events.ts'), 'utf8');
  const m = /EXCHANGE_IDS\s*=\s*\[([^\]]*)\]/.exec(events);
  if (!m) throw new Error('EXCHANGE_IDS not found in src/schema/events.ts');
  const ids = [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
  const fams = new Map();
  for (const id of ids) {
    const f = id.split('-')[0];
    fams.set(f, [...(fams.get(f) ?? []), id]);
  }
  return fams;
}

/** Whether `rel` (a path under `area`, e.g. `okx/book.ts` or `okx-server.ts`) belongs to family `f`. */
function belongs(rel, f) {
  const first = rel.split('/')[0];
  if (first === f) return true; // a folder named for the family
  const base = basename(rel);
  return base.startsWith(`${f}.`) || base.startsWith(`${f}-`);
}

export function measure() {
  const fams = families();
  const src = walk(join(ROOT, 'src')).map((p) => relative(ROOT, p));
  const test = walk(join(ROOT, 'test')).map((p) => relative(ROOT, p));
  const rows = [];
  for (const [f, ids] of fams) {
    const sum = (files) => files.reduce((n, p) => n + lines(join(ROOT, p)), 0);
    const under = (files, prefix) => files.filter((p) => p.startsWith(prefix)).filter((p) => belongs(p.slice(prefix.length), f));
    const adapter = sum(under(src, 'src/exchanges/'));
    const simulator = sum(under(src, 'src/sim/'));
    const tests = sum(test.filter((p) => p.split('/').slice(1).some((seg) => belongs(seg, f))));
    rows.push({ family: f, ids, adapter, simulator, tests, total: adapter + simulator + tests });
  }
  const largest = src
    .map((p) => ({ path: p, lines: lines(join(ROOT, p)) }))
    .sort((a, b) => b.lines - a.lines);
  return { rows, largest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 10;
  const { rows, largest } = measure();
  const pad = (s, n) => String(s).padEnd(n);
  const num = (s, n) => String(s).padStart(n);
  console.log(`${pad('exchange', 42)}${num('adapter', 8)}${num('sim', 7)}${num('tests', 7)}${num('total', 7)}`);
  for (const r of rows) {
    console.log(`${pad(`${r.family} (${r.ids.join(', ')})`, 42)}${num(r.adapter, 8)}${num(r.simulator, 7)}${num(r.tests, 7)}${num(r.total, 7)}`);
  }
  const over = largest.filter((f) => f.lines > 400).length;
  console.log(`\nlargest source files (src/, ${over} over 400 lines):`);
  for (const f of largest.slice(0, top)) console.log(`${num(f.lines, 6)}  ${f.path}`);
}
