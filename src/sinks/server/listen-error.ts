/**
 * Why a listening socket could not be opened, as one line a person can act on (a `TW_ERR_CONFIG` TwError), instead of
 * the errno's stack. Shared by the server, the simulator command and the CLI's check before anything starts.
 */
import { createServer } from 'node:net';
import { TwError } from '../../errors.js';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is in use: pick another with --port (0 = any free port)',
  EADDRNOTAVAIL: 'not an address of this machine: bind one of its own addresses (or 127.0.0.1)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS unavailable)',
  EAI_FAIL: 'the host name could not be resolved',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EINVAL: 'not a valid address to listen on',
};

/** A TwError for a failed listen on `host:port`; errors without a known errno code are returned unchanged. */
export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return err;
  return new TwError('TW_ERR_CONFIG', `cannot listen on ${host}:${port}: ${reason} (${code})`);
}

/** Open and close a listening socket on `host:port`, so a bad address is refused before anything else starts. */
export async function probeListen(host: string, port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
