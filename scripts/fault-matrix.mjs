// Rewrites the fault matrix in README.md from the fault suite's own table, test/faults/matrix.json:
//   node scripts/fault-matrix.mjs
// test/docs/fault-matrix.test.ts fails when the README and the table disagree.
import { readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- fault-matrix:start -->';
const END = '<!-- fault-matrix:end -->';

/** The markdown between the markers: one row per fault, one column per exchange, numbered notes for the reasons. */
export function faultMatrixMarkdown(matrix) {
  const notes = [];
  const note = (text) => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return i + 1;
  };
  const cell = (c) => {
    if (c === 'applies') return '✅';
    if ('detects' in c) return `✅ [${note(`detected within ${c.detects.withinMs} ms, not when it happens: ${c.detects.reason}`)}]`;
    if ('fails' in c) return `❌ [${note(`red: ${c.fails}`)}]`;
    if ('red' in c) return `❌ [${note(`red (not run in the suite: the outcome depends on timing): ${c.red}`)}]`;
    if ('na' in c) return `n/a [${note(`not applicable: ${c.na}`)}]`;
    return `n/s [${note(`not simulable: ${c.ns}`)}]`;
  };
  const head = `| fault | ${matrix.exchanges.map((e) => `\`${e}\``).join(' | ')} |`;
  const sep = `|---|${matrix.exchanges.map(() => '---').join('|')}|`;
  const rows = matrix.rows.map((r) => `| ${r.fault} | ${matrix.exchanges.map((e) => cell(r.cells[e])).join(' | ')} |`);
  const counts = { applies: 0, red: 0, other: 0 };
  for (const r of matrix.rows) {
    for (const e of matrix.exchanges) {
      const c = r.cells[e];
      if (c === 'applies' || 'detects' in c) counts.applies++;
      else if ('fails' in c || 'red' in c) counts.red++;
      else counts.other++;
    }
  }
  const summary =
    `${counts.applies} cells pass, ${counts.red} are known red (most run as expected failures, so fixing one turns ` +
    `the suite red until its cell is flipped to ✅ in test/faults/matrix.json), ${counts.other} do not apply or cannot be simulated.`;
  return [head, sep, ...rows, '', summary, '', ...notes.map((n, i) => `${i + 1}. ${n}`)].join('\n');
}

export function readMatrix() {
  return JSON.parse(readFileSync(new URL('../test/faults/matrix.json', import.meta.url), 'utf8'));
}

export function replaceBetweenMarkers(text, body) {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${text.slice(0, a + START.length)}\n${body}\n${text.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, replaceBetweenMarkers(readFileSync(path, 'utf8'), faultMatrixMarkdown(readMatrix())));
}
