/** The README's error-code table and the CLI help stay true to the code. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CODES } from '../../src/errors.js';
import { HELP } from '../../src/cli/help.js';
import { loadAdapters } from '../../src/exchanges/registry.js';

const adapters = await loadAdapters();

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every status code with its meaning (node scripts/readme-codes.mjs regenerates the table)', () => {
    for (const [code, meaning] of Object.entries(CODES)) expect(readme).toContain(`| \`${code}\` | ${meaning} |`);
  });

  it('names every supported exchange, as does --help', () => {
    for (const id of Object.keys(adapters)) {
      expect(readme).toContain(`\`${id}\``);
      expect(HELP).toContain(id);
    }
  });
});
