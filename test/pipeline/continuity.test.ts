import { describe, expect, it } from 'vitest';
import { continuityFacts } from '../../src/pipeline/continuity.js';
import { loadAdapters } from '../../src/exchanges/registry.js';
import type { BookRules } from '../../src/exchanges/types.js';

const adapters = await loadAdapters();

const rules = (integrity: BookRules['integrity'], chainScope?: 'connection'): BookRules =>
  ({ integrity, ...(chainScope ? { chainScope } : {}) }) as BookRules;

describe('what a feed can prove about data it did not get', () => {
  it('per integrity: a per-book chain proves everything on its next message, a checksum catches a loss but not a silence', () => {
    expect(continuityFacts(rules('chained'))).toEqual({ unprovenAfterLoss: false, pauseBreaks: false, silenceBreaks: false });
    expect(continuityFacts(rules('checksum'))).toEqual({ unprovenAfterLoss: false, pauseBreaks: false, silenceBreaks: true });
    expect(continuityFacts(rules('monotonic'))).toEqual({ unprovenAfterLoss: true, pauseBreaks: true, silenceBreaks: true });
    expect(continuityFacts(rules('none'))).toEqual({ unprovenAfterLoss: true, pauseBreaks: true, silenceBreaks: true });
    // a chain carried by the connection stays contiguous when the exchange stops one channel
    expect(continuityFacts(rules('chained', 'connection'))).toEqual({ unprovenAfterLoss: false, pauseBreaks: true, silenceBreaks: true });
  });

  it('for the real adapters', () => {
    const facts = Object.fromEntries(Object.entries(adapters).map(([id, a]) => [id, continuityFacts(a.book)]));
    expect(facts['binance']).toEqual({ unprovenAfterLoss: false, pauseBreaks: false, silenceBreaks: false });
    expect(facts['kraken']).toEqual({ unprovenAfterLoss: false, pauseBreaks: false, silenceBreaks: true }); // checksum
    expect(facts['coinbase']).toEqual({ unprovenAfterLoss: true, pauseBreaks: true, silenceBreaks: true }); // the chain is the connection's
    expect(facts['coinbase-exchange']).toEqual({ unprovenAfterLoss: true, pauseBreaks: true, silenceBreaks: true });
  });
});
