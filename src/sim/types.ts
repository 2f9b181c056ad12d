/**
 * The simulator's public surface (in-process). The simulator never imports src/exchanges/: it renders wire frames
 * from docs/protocols/ on its own, so a shared mistake cannot pass every test.
 */
import type { ExchangeId, Level } from '../schema/events.js';

/** One step of one symbol's true book: every changed level gets its own consecutive change id. */
export interface SimDiff {
  symbol: string;
  /** First and last change id of this step (Binance `U`/`u` render these directly). */
  firstId: number;
  lastId: number;
  /** Absolute sizes; "0" removes. Formatted with the symbol's tick/lot decimals. */
  bids: Level[];
  asks: Level[];
  /** Epoch ms of the market clock. */
  time: number;
}

export interface SimTrade {
  symbol: string;
  id: number;
  price: string;
  size: string;
  /** Taker side. */
  side: 'buy' | 'sell';
  time: number;
}

/** A derivative state the simulator published (the fields an exchange does not carry are left out of its frames). */
export interface SimDerivative {
  symbol: string;
  /** Epoch ms: the frame's time. */
  time: number;
  markPrice: string;
  indexPrice: string;
  fundingRate: string;
  predictedFundingRate: string;
  /** Epoch ms. */
  nextFundingTime: number;
  /** In lots of the base currency. */
  openInterest: string;
  openInterestValue: string;
}

/** A liquidation order the simulator published; `side` is the order's (sell = a long was liquidated). */
export interface SimLiquidation {
  symbol: string;
  time: number;
  side: 'buy' | 'sell';
  price: string;
  size: string;
}

export interface SimBook {
  symbol: string;
  /** Last change id included. */
  updateId: number;
  /** Best first. */
  bids: Level[];
  asks: Level[];
}

export interface SimSymbolSpec {
  /** Unified `BASE/QUOTE`. */
  symbol: string;
  mid: string;
  tickDecimals: number;
  lotDecimals: number;
}

/** Faults, switched per exchange server and aimed at a symbol (or at the connections carrying it). */
export type SimFault =
  | { kind: 'drop-diff'; symbol: string; count?: number } // next diff(s) of symbol not sent → gap
  | { kind: 'garbage-diff'; symbol: string } // next diff of symbol replaced by garbage text
  | { kind: 'garbage-frame'; symbol: string } // a garbage frame injected between good ones
  | { kind: 'silence'; symbol?: string } // no data frames (pings/pongs continue) until cleared
  | { kind: 'stop-all'; symbol?: string } // no frames at all, no pings, no pongs, until cleared
  | { kind: 'close'; symbol?: string; code?: number; reason?: string } // close the socket(s)
  | { kind: 'server-shutdown'; symbol?: string } // send the exchange's shutdown/maintenance notice
  | { kind: 'black-hole'; symbol: string } // accept the subscription, never send its data
  | { kind: 'rest-429'; count?: number; retryAfterSec?: number }
  | { kind: 'rest-418'; count?: number; retryAfterSec?: number }
  | { kind: 'rest-500'; count?: number }
  | { kind: 'rest-slow'; delayMs: number; count?: number }
  | { kind: string; [k: string]: unknown }; // exchange-specific faults (bad checksum, broken prevSeqId, …)

export interface SimLogEntry {
  /** Epoch ms. */
  time: number;
  exchange: ExchangeId;
  connection?: number;
  /**
   * ws-recv: a text message from the client; ws-recv-control: a ping/pong frame from the client (`ping <payload>`,
   * `pong <payload>`); ws-send-control: a control frame or reply the server sent (acks, pings, close, notices).
   */
  kind: 'ws-open' | 'ws-close' | 'ws-recv' | 'ws-recv-control' | 'ws-send-control' | 'rest';
  /** Text received from a client (ws-recv), or REST path with query. */
  data?: string;
  status?: number;
  /** REST: the weight header value sent, Retry-After sent. */
  headers?: Record<string, string>;
}
