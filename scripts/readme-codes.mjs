// Rewrites the error-code table in README.md from src/errors.ts (via dist/). Run after `npm run build`:
//   node scripts/readme-codes.mjs
// test/docs/readme.test.ts fails when the table and the code disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { CODES } from '../dist/errors.js';

export function codesTable() {
  return Object.entries(CODES)
    .map(([code, meaning]) => `| \`${code}\` | ${meaning} |`)
    .join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL('../README.md', import.meta.url);
  const text = readFileSync(path, 'utf8');
  const out = text.replace(/<!-- codes:start -->[\s\S]*<!-- codes:end -->/, `<!-- codes:start -->\n${codesTable()}\n<!-- codes:end -->`);
  writeFileSync(path, out);
}
