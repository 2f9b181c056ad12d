/**
 * Fixture files (fixtures/<exchange>/, provenance in fixtures/README.md): a file's text, and the documented examples an
 * exchange keeps in one `doc-examples.json` (`{ frames: { name: { source, frame } } }`, in the docs' order).
 */
import { readFileSync } from 'node:fs';

export const fixtureText = (exchange: string, file: string): string => readFileSync(new URL(`../../fixtures/${exchange}/${file}`, import.meta.url), 'utf8');

/** The documented example frames of `exchange` by name. */
export function docExamples(exchange: string): Record<string, string> {
  const doc = JSON.parse(fixtureText(exchange, 'doc-examples.json')) as { frames: Record<string, { source: string; frame: string }> };
  return Object.fromEntries(Object.entries(doc.frames).map(([name, f]) => [name, f.frame]));
}
