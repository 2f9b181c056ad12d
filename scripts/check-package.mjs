#!/usr/bin/env node
/**
 * The published package as a consumer gets it: `npm pack`'s tarball (of the built dist/), unpacked into a fresh
 * project whose node_modules holds only the package's declared `dependencies` (linked from this checkout, no
 * network) plus the consumer's own typescript and @types/node. Checks:
 *   - the tarball ships dist/, docs/ (the README links there), LICENSE and README.md, and every docs/ link of the
 *     README resolves inside it;
 *   - a strict consumer (`strict`, no `skipLibCheck`, nodenext) compiles against the shipped typings — a type the
 *     typings import from a package that is only a devDependency fails here (TS7016);
 *   - the package loads (`import('tickwire')`).
 * Run after `npm run build`: `npm test` ends with it (`npm run check:package` alone). Exit 1 on a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fail = (msg) => {
  process.stderr.write(`check-package: ${msg}\n`);
  process.exitCode = 1;
};

if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
  process.stderr.write('check-package: dist/ is missing: run npm run build first\n');
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'tickwire-pack-'));
try {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
  )[0];
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js']) {
    if (!files.has(f)) fail(`the tarball lacks ${f}`);
  }
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const [, link] of readme.matchAll(/\]\((docs\/[^)#\s]+)/g)) if (!files.has(link)) fail(`README links ${link}, not in the tarball`);

  // the consumer project
  const consumer = join(work, 'consumer');
  const modules = join(consumer, 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
  renameSync(join(work, 'package'), join(modules, 'tickwire'));
  const pkg = JSON.parse(readFileSync(join(modules, 'tickwire', 'package.json'), 'utf8'));
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), 'typescript', '@types/node']) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(modules, dep), 'dir');
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'] },
      files: ['index.ts'],
    }),
  );
  writeFileSync(
    join(consumer, 'index.ts'),
    [
      "import * as tickwire from 'tickwire';",
      "import { stream, books, replay, startServer, type MarketEvent } from 'tickwire';",
      'export const api: typeof tickwire = tickwire;',
      'export const calls = [stream, books, replay, startServer] as const;',
      "export const price = (e: MarketEvent): string | undefined => (e.type === 'trade' ? e.price : undefined);",
      '',
    ].join('\n'),
  );
  const tsc = spawnSync(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', consumer], { encoding: 'utf8' });
  if (tsc.status !== 0) fail(`a strict consumer does not compile against the tarball's typings:\n${tsc.stdout}${tsc.stderr}`);
  const load = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('tickwire'); if (typeof m.stream !== 'function') process.exit(1);"], {
    cwd: consumer,
    encoding: 'utf8',
  });
  if (load.status !== 0) fail(`the package does not load: ${load.stderr}`);
  if (process.exitCode !== 1) {
    const docs = [...files].filter((f) => f.startsWith('docs/')).length;
    process.stdout.write(`check-package: ok (${packed.filename}, ${files.size} files, ${docs} in docs/; strict consumer compiles; loads)\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
