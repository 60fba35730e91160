import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port {@link findFreePort} picks from, above the ports well-known services use. */
const LOWEST_PICKED_PORT = 10_000;

/** Random picks tried below the ephemeral range before falling back to the kernel's choice. */
const PICK_ATTEMPTS = 50;

/** Ports returned by this process, so that two calls never return the same one. */
const handedOut = new Set<number>();

/** Returns the first port of the kernel's range for outgoing connections, or undefined. */
function ephemeralRangeStart(): number | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const port = Number(low);
    return Number.isInteger(port) ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Tells whether a port can be listened on, on every address, by listening and closing again. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

function kernelChosenPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Finds a free TCP port for a server that a test or the stack starts a moment later. It picks
 * at random below the kernel's range for outgoing connections: a port from that range (what
 * binding port 0 returns) can meanwhile become the source port of any outgoing connection, and
 * the server then fails with EADDRINUSE. Falls back to binding port 0 where the range starts
 * too low to leave room.
 */
export async function findFreePort(): Promise<number> {
  const rangeStart = ephemeralRangeStart();
  if (rangeStart !== undefined && rangeStart - LOWEST_PICKED_PORT >= 1_000) {
    for (let attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
      const port = randomInt(LOWEST_PICKED_PORT, rangeStart);
      if (handedOut.has(port)) continue;
      // Taken before the check, so that a concurrent call cannot pick the same port meanwhile.
      handedOut.add(port);
      if (await canListen(port)) return port;
    }
  }
  return kernelChosenPort();
}

/** Waits until a TCP connection to `port` succeeds, polling every 50 ms, for up to `timeoutMs`. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  host = '127.0.0.1',
): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
}
