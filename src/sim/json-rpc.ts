/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) for simulator protocols that speak it (Deribit): the reply and
 * notification envelopes, the specification's error codes, and a request read from text. `extra` holds an exchange's
 * own members written after the standard ones on replies (Deribit's `usIn`, `usOut`, …). Pure string builders.
 */
import { requestObject } from './request-json.js';

/** The specification's error codes used by the simulator. */
export const RPC_ERRORS = {
  parse: [-32700, 'Parse error'],
  method: [-32601, 'Method not found'],
  params: [-32602, 'Invalid params'],
} as const;

export class JsonRpc {
  constructor(private readonly extra = '') {}

  /** A success reply; `result` is JSON text. */
  result(id: unknown, result: string): string {
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id ?? null)},"result":${result}${this.extra}}`;
  }

  error(id: unknown, code: number, message: string): string {
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id ?? null)},"error":{"message":${JSON.stringify(message)},"code":${code}}${this.extra}}`;
  }

  /** A notification (no id); `params` is JSON text. */
  notification(method: string, params: string): string {
    return `{"jsonrpc":"2.0","method":"${method}","params":${params}}`;
  }
}

/** A request's members, or undefined when the text is no JSON object (answer `RPC_ERRORS.parse`). */
export function rpcRequest(text: string): { id?: unknown; method?: unknown; params?: Record<string, unknown> } | undefined {
  const req = requestObject(text);
  if (req === undefined) return undefined;
  const params = req.params;
  return { id: req.id, method: req.method, ...(typeof params === 'object' && params !== null ? { params: params as Record<string, unknown> } : {}) };
}
