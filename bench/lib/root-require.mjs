/** Resolve packages from the repository root (tickwire's own `ws`), not from bench/node_modules (the peers'). */
import { createRequire } from 'node:module';
export const rootRequire = createRequire(new URL('../../package.json', import.meta.url));
