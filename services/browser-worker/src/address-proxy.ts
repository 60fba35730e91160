import { lookup as dnsLookup } from 'node:dns/promises';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, isIP, type Socket } from 'node:net';
import { type AddressPolicy, checkResolvedUrl, type LookupFn } from '@orderflow/url-policy';
import type { Logger } from 'pino';

/** Receiver of the proxy's reports, which is the attempt that currently uses it. */
export interface ProxyListener {
  /** A request was rejected before any connection because the policy blocks its address. */
  onBlocked(url: string, address: string | undefined, message: string): void;
  /** The host could not be resolved or the connection to it failed. */
  onUpstreamError(url: string, code: string): void;
}

type Verdict =
  | { ok: true; address: string }
  | { ok: false; blocked: boolean; address?: string; message: string; code: string };

/** Headers that describe one connection and must not be passed on. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'upgrade',
];

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

function bareHost(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Resolves only `localhost`, so that a confined worker sends no DNS query. */
export const confinedLookup: LookupFn = async (hostname) => {
  if (hostname === 'localhost') return [{ address: '127.0.0.1' }];
  throw Object.assign(new Error(`${hostname} is not resolved in confined mode`), {
    code: 'ENOTFOUND',
  });
};

/** The system resolver, returning every address of a host. */
export const systemLookup: LookupFn = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

/** Options of {@link AddressProxy.start}. */
export interface AddressProxyOptions {
  policy: AddressPolicy;
  lookup: LookupFn;
  log: Logger;
}

/**
 * A forward proxy on 127.0.0.1 that one worker slot's browser contexts use for every request,
 * redirect hops included. It resolves each host itself, checks every address against the
 * policy before it opens a connection, and connects to the checked address, so a DNS answer
 * cannot change between check and connection. Playwright's request routing cannot do this
 * because Chromium follows redirects without passing them to route handlers.
 */
export class AddressProxy {
  private listener: ProxyListener | undefined;
  private verdicts = new Map<string, Promise<Verdict>>();
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  private constructor(
    private readonly server: Server,
    private readonly options: AddressProxyOptions,
    /** URL to give Chromium as the context's proxy server. */
    readonly url: string,
  ) {}

  /** Starts a proxy on a free port of 127.0.0.1. */
  static async start(options: AddressProxyOptions): Promise<AddressProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const proxy = new AddressProxy(server, options, `http://127.0.0.1:${port}`);
    server.on('request', (request, response) => void proxy.forward(request, response));
    server.on(
      'connect',
      (request, socket: Socket, head) => void proxy.tunnel(request, socket, head),
    );
    server.on('connection', (socket: Socket) => {
      proxy.sockets.add(socket);
      socket.once('close', () => proxy.sockets.delete(socket));
    });
    return proxy;
  }

  /** Sends reports to the attempt now using the proxy and clears cached address checks. */
  attach(listener: ProxyListener): void {
    this.listener = listener;
    this.verdicts = new Map();
  }

  /** Stops reporting to the attempt that finished. */
  detach(): void {
    this.listener = undefined;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private check(url: URL): Promise<Verdict> {
    const key = `${url.protocol}//${url.hostname}`;
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = this.decide(url);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private async decide(url: URL): Promise<Verdict> {
    let resolved: Array<{ address: string }> | undefined;
    const recordingLookup: LookupFn = async (hostname) => {
      resolved = await this.options.lookup(hostname);
      return resolved;
    };
    const check = await checkResolvedUrl(url, this.options.policy, recordingLookup);
    if (!check.ok) {
      const blocked = check.problem === 'blocked_address';
      return {
        ok: false,
        blocked,
        message: check.message,
        code: blocked ? 'BLOCKED' : 'ENOTFOUND',
        ...(check.address ? { address: check.address } : {}),
      };
    }
    const host = bareHost(url);
    if (isIP(host)) return { ok: true, address: host };
    try {
      // Hosts on the allow-list are not resolved by the policy check, so they are resolved here.
      resolved ??= await this.options.lookup(host);
      const first = resolved[0];
      if (first) return { ok: true, address: first.address };
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ENOTFOUND';
      return {
        ok: false,
        blocked: false,
        code,
        message: `host ${host} could not be resolved (${code})`,
      };
    }
    return { ok: false, blocked: false, code: 'ENOTFOUND', message: `host ${host} has no address` };
  }

  private report(url: string, verdict: Verdict): void {
    if (verdict.ok) return;
    if (verdict.blocked) this.listener?.onBlocked(url, verdict.address, verdict.message);
    else this.listener?.onUpstreamError(url, verdict.code);
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      response.writeHead(400).end('absolute URL expected');
      return;
    }
    const verdict = await this.check(target);
    if (!verdict.ok) {
      this.report(target.href, verdict);
      if (verdict.blocked)
        response.writeHead(403, { 'content-type': 'text/plain' }).end(verdict.message);
      else response.destroy();
      return;
    }

    const upstream = httpRequest({
      host: verdict.address,
      port: target.port || 80,
      method: request.method,
      path: `${target.pathname}${target.search}`,
      headers: withoutHopHeaders(request.headers),
      setHost: false,
      agent: this.agent,
    });
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, withoutHopHeaders(answer.headers));
      answer.pipe(response);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      this.listener?.onUpstreamError(target.href, error.code ?? 'ECONNRESET');
      response.destroy();
    });
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  }

  private async tunnel(request: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    let target: URL;
    try {
      target = new URL(`https://${request.url ?? ''}`);
    } catch {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const verdict = await this.check(target);
    if (!verdict.ok) {
      this.report(target.href, verdict);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(target.port || 443), verdict.address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      this.listener?.onUpstreamError(target.href, error.code ?? 'ECONNRESET');
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  }
}
