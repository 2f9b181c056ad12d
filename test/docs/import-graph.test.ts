/**
 * The folders of src/ import each other along the flow (exchange → connection → sync → events → sinks), never in a
 * cycle, and docs/architecture.md shows the graph as it is (`node scripts/import-graph.mjs` prints it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without types
import * as graph from '../../scripts/import-graph.mjs';

type Edges = Map<string, Map<string, number>>;
const { measure, cycles, violations, format, staticReach, ALLOWED, ENTRY_POINTS } = graph as {
  measure: () => Edges;
  staticReach: (entry: string) => string[];
  cycles: (e: Edges) => string[];
  violations: (e: Edges) => string[];
  format: (e: Edges) => string;
  ALLOWED: Record<string, string[]>;
  ENTRY_POINTS: string[];
};

const architecture = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');

function edgesOf(pairs: Array<[string, string]>): Edges {
  const e: Edges = new Map();
  for (const [a, b] of pairs) e.set(a, (e.get(a) ?? new Map()).set(b, 1));
  return e;
}

describe('folder import graph', () => {
  const edges = measure();

  it('has no cycle between folders', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('has no import against the flow (the layer table of scripts/import-graph.mjs)', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('places every top-level folder and root file of src/ in the layer table', () => {
    const units = readdirSync(new URL('../../src/', import.meta.url)).filter((n) => !n.endsWith('.d.ts'));
    const placed = new Set([...Object.keys(ALLOWED), ...ENTRY_POINTS]);
    expect(units.filter((u) => !placed.has(u))).toEqual([]);
  });

  it('is the graph docs/architecture.md shows ("As measured")', () => {
    const section = architecture.slice(architecture.indexOf('### As measured'));
    const block = /```\n([\s\S]*?)\n```/.exec(section);
    expect(block?.[1]).toBe(format(edges));
  });

  it('names every layer of the table in docs/architecture.md ("Layers")', () => {
    const layers = architecture.slice(architecture.indexOf('## Layers'), architecture.indexOf('### As measured'));
    for (const unit of [...Object.keys(ALLOWED), ...ENTRY_POINTS]) {
      const name = unit.endsWith('.ts') ? `\`${unit}\`` : `\`${unit}/\``;
      expect(layers, unit).toContain(name);
    }
  });

  // the checks can fail: a cycle and imports against the flow are found in a made-up graph
  it('finds a cycle and imports against the flow', () => {
    expect(cycles(edgesOf([['book', 'exchanges'], ['exchanges', 'book']]))).toEqual(['book → exchanges → book']);
    expect(cycles(edgesOf([['a', 'b'], ['b', 'c'], ['c', 'a']]))).toEqual(['a → b → c → a']);
    expect(cycles(edgesOf([['a', 'b'], ['b', 'c'], ['a', 'c']]))).toEqual([]);
    expect(
      violations(
        edgesOf([
          ['sinks', 'exchanges'],
          ['sources', 'sinks'],
          ['book', 'cli'],
          ['api', 'sim'],
          ['somewhere', 'util'],
        ]),
      ),
    ).toEqual([
      'book → cli (an entry point)',
      'sinks → exchanges',
      'somewhere → util (somewhere is not in the layer table)',
      'sources → sinks',
    ]);
  });
});

describe('the main entry loads no exchange adapter (src/exchanges/registry.ts loads each on first use)', () => {
  const adapterModule = (f: string): boolean => /^exchanges\/[^/]+\//.test(f);

  it('src/index.ts reaches no module of an adapter folder through static imports', () => {
    const reached = staticReach('index.ts');
    expect(reached).toContain('api/stream.ts');
    expect(reached).toContain('exchanges/registry.ts');
    expect(reached.filter(adapterModule)).toEqual([]);
  });

  // the walk can fail: an adapter's own static imports are found, its type-only ones are not
  it('follows static imports and re-exports, not type-only ones', () => {
    const reached = staticReach('exchanges/binance/index.ts');
    expect(reached).toEqual(expect.arrayContaining(['exchanges/binance/common.ts', 'exchanges/binance/futures.ts', 'exchanges/binance/delivery.ts']));
    expect(reached).not.toContain('exchanges/types.ts'); // `import type { … } from '../types.js'` only
  });
});
