/** mulberry32: a seeded PRNG in [0, 1) — the pipeline's jitter source while recording and replaying. */
export { mulberry32 as seededRandom } from '../util/prng.js';
