/** Deterministic PRNG (mulberry32) for jitter in tests. */
export { mulberry32 as seededRandom } from '../../src/util/prng.js';
