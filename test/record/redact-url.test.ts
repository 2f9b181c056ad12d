/**
 * URLs as logs, status events, errors and recordings show them: userinfo and credential-named query parameters go,
 * everything a reader needs to tell endpoints apart (scheme, host, port, path, other parameters) stays.
 */
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/util/redact.js';

describe('redactUrl', () => {
  it.each([
    ['wss://user:p%40ss@proxy.example:8443/ws', 'wss://[Redacted]@proxy.example:8443/ws'],
    ['http://token-only@127.0.0.1:9000', 'http://[Redacted]@127.0.0.1:9000'],
    ['https://api.example/v1/x?symbol=BTC&apiKey=abc123&signature=deadbeef', 'https://api.example/v1/x?symbol=BTC&apiKey=[Redacted]&signature=[Redacted]'],
    ['ws://127.0.0.1:9443/stream?streams=btcusdt@depth', 'ws://127.0.0.1:9443/stream?streams=btcusdt@depth'],
    ['https://api.example/path/with@sign', 'https://api.example/path/with@sign'],
  ])('%s → %s', (input, shown) => {
    expect(redactUrl(input)).toBe(shown);
  });
});
