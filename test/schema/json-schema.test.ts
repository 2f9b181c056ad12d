/** `tickwire schema`: the JSON Schema carries the field meanings of the zod schema as descriptions. */
import { describe, expect, it } from 'vitest';
import { marketEventJsonSchema } from '../../src/schema/events.js';

type Node = { type?: string; const?: string; description?: string; properties?: Record<string, Node>; oneOf?: Node[]; anyOf?: Node[] };

function variant(type: string): Record<string, Node> {
  const s = marketEventJsonSchema() as Node;
  const v = (s.oneOf ?? s.anyOf ?? []).find((n) => n.properties?.type?.const === type);
  expect(v, type).toBeDefined();
  return v!.properties!;
}

describe('JSON Schema descriptions', () => {
  it('every event carries the meaning of its common and specific fields', () => {
    for (const t of ['ticker', 'book_snapshot', 'book_delta', 'book_top', 'trade', 'status']) {
      const p = variant(t);
      for (const f of ['localTime', 'seq', 'epoch']) expect(p[f]?.description, `${t}.${f}`).toMatch(/\w/);
    }
    expect(variant('trade').side?.description).toBe('Taker side.');
    expect(variant('book_delta').prevUpdateId?.description).toMatch(/chains from/);
    expect(variant('book_delta').integrity?.description).toMatch(/^How far a book can be trusted/);
    expect(JSON.stringify(variant('book_delta').bids)).toContain('size \\"0\\" removes the level');
    expect(variant('status').code?.description).toMatch(/TW_OK or TW_ERR_/);
    expect(variant('ticker').last?.description).toBe('Last traded price.');
  });
});
