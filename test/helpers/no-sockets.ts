/**
 * Setup file of the `unit` test project (vitest.config.ts): a unit test that listens or connects fails at once,
 * so the tier stays socket-free. Such a test belongs to the `e2e` project.
 */
import net from 'node:net';

const refuse = (what: string) =>
  function (): never {
    throw new Error(`${what} in a unit test: sockets belong to the e2e project (vitest.config.ts)`);
  };
net.Server.prototype.listen = refuse('net.Server#listen');
net.Socket.prototype.connect = refuse('net.Socket#connect');
