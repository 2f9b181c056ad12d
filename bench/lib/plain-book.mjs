/**
 * A plain L2 book for clients that keep none (ccxws, the NDJSON reader): price string → size string per side,
 * sorted only when the top is asked for. With the Binance diff/snapshot splice rule for ccxws.
 */
export class PlainBook {
  bids = new Map();
  asks = new Map();
  updateId = undefined;

  snapshot(bids, asks, updateId) {
    this.bids.clear();
    this.asks.clear();
    this.apply(bids, asks);
    this.updateId = updateId;
  }

  apply(bids, asks) {
    for (const [p, q] of bids) if (Number(q) === 0) this.bids.delete(p); else this.bids.set(p, q);
    for (const [p, q] of asks) if (Number(q) === 0) this.asks.delete(p); else this.asks.set(p, q);
  }

  top(n) {
    const bids = [...this.bids].sort((a, b) => Number(b[0]) - Number(a[0])).slice(0, n);
    const asks = [...this.asks].sort((a, b) => Number(a[0]) - Number(b[0])).slice(0, n);
    return { bids, asks };
  }
}
