import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server for fixture pages. */
export interface FixtureServer {
  /** Base URL such as `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Serves fixture pages from a request handler on 127.0.0.1 and a free port. */
export async function serveFixtures(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<FixtureServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const fixtures: FixtureServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    [Symbol.asyncDispose]: () => fixtures.close(),
  };
  return fixtures;
}
