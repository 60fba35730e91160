import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AmountFormat, addOneUnit, canonicalAmountOr, formatAmount } from './money';
import {
  confirmationPage,
  errorPage,
  indexPage,
  type OrderView,
  orderFrame,
  orderPage,
} from './pages';
import { CHAIN_HOPS, DEFAULT_AMOUNT, RENDER_DELAY_MS, type Variant, variantOf } from './variants';

/** One accepted confirm request. A second one for the same order means it was paid twice. */
export interface Confirmation {
  orderId: string;
  orderNumber: string;
  amount: string;
  confirmedAt: string;
  /** Reference and delivery option of the `form` variant. */
  form?: { reference: string; delivery: string };
}

/** Options of {@link startDemoShop}. */
export interface DemoShopOptions {
  /** Port to listen on; default 0, a free port. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
}

/** A running demo shop. */
export interface DemoShop {
  /** Base URL such as `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Every confirm request accepted so far, in arrival order. */
  confirmations(): Confirmation[];
  close(): Promise<void>;
}

/** Largest form body the confirm handler reads, in bytes. */
const MAX_FORM_BYTES = 16 * 1024;

/** Cloud metadata address that the `blocked` variant redirects to. */
const METADATA_URL = 'http://169.254.169.254/latest/meta-data/';

/** Order number the shop assigns to an order id; stable so that tests can predict it. */
export function orderNumberOf(orderId: string): string {
  return `ORD-${createHash('sha1').update(orderId).digest('hex').slice(0, 10).toUpperCase()}`;
}

class ShopState {
  readonly confirmations: Confirmation[] = [];
  readonly confirmed = new Map<string, string>();
  readonly flakySeen = new Set<string>();
  readonly hanging = new Set<ServerResponse>();

  confirm(orderId: string, amount: string, form?: Confirmation['form']): string {
    const orderNumber = orderNumberOf(orderId);
    this.confirmed.set(orderId, orderNumber);
    this.confirmations.push({
      orderId,
      orderNumber,
      amount,
      ...(form ? { form } : {}),
      confirmedAt: new Date().toISOString(),
    });
    return orderNumber;
  }

  orderNumber(orderId: string, variant: Variant): string | undefined {
    if (variant === 'confirmed') return orderNumberOf(orderId);
    return this.confirmed.get(orderId);
  }
}

/** Response the shop sends to one request. */
type Reply =
  | { kind: 'page'; status: number; body: string; contentType?: string }
  | { kind: 'redirect'; status: 302 | 303; location: string }
  | { kind: 'hang' };

function page(status: number, body: string, contentType = 'text/html'): Reply {
  return { kind: 'page', status, body, contentType };
}

function redirect(status: 302 | 303, location: string): Reply {
  return { kind: 'redirect', status, location };
}

function write(state: ShopState, response: ServerResponse, reply: Reply): void {
  if (reply.kind === 'hang') {
    state.hanging.add(response);
    response.on('close', () => state.hanging.delete(response));
    return;
  }
  if (reply.kind === 'redirect') {
    response.writeHead(reply.status, { location: reply.location, 'cache-control': 'no-store' });
    response.end();
    return;
  }
  response.writeHead(reply.status, {
    'content-type': `${reply.contentType ?? 'text/html'}; charset=utf-8`,
    'cache-control': 'no-store',
  });
  response.end(reply.body);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) break;
  }
  return new URLSearchParams(body);
}

function portOf(host: string): string {
  return host.split(':')[1] ?? '80';
}

function viewOf(
  state: ShopState,
  orderId: string,
  query: URLSearchParams,
  host: string,
): OrderView {
  const variant = variantOf(orderId, query);
  const amount = canonicalAmountOr(query.get('amount'), DEFAULT_AMOUNT);
  const format: AmountFormat = query.get('format') === 'eu' ? 'eu' : 'us';
  const shownAmount = variant === 'mismatch' ? addOneUnit(amount) : amount;
  const requestedDelay = Number(query.get('delayMs') ?? Number.NaN);
  const defaultDelay = variant === 'slow' ? RENDER_DELAY_MS.slow : RENDER_DELAY_MS.standard;
  const orderNumber = state.orderNumber(orderId, variant);
  return {
    orderId,
    amount,
    shownAmount: formatAmount(shownAmount, format),
    renderDelayMs:
      Number.isInteger(requestedDelay) && requestedDelay >= 0 ? requestedDelay : defaultDelay,
    withButton: variant !== 'nobutton',
    withDialog: variant === 'dialog',
    withFormFields: variant === 'form',
    ...(orderNumber ? { orderNumber } : {}),
    ...(variant === 'subrequest' ? { imageUrl: `http://127.0.0.2:${portOf(host)}/pixel.gif` } : {}),
  };
}

/** Builds the response of variants that never show an order page, or returns undefined. */
function failureOrRedirect(
  state: ShopState,
  url: URL,
  orderId: string,
  host: string,
): Reply | undefined {
  const variant = variantOf(orderId, url.searchParams);
  switch (variant) {
    case 'hang':
      return { kind: 'hang' };
    case 'error':
      return page(500, errorPage(500, 'The shop failed to load this order.'));
    case 'missing':
      return page(404, errorPage(404, `Order ${orderId} does not exist.`));
    case 'blocked':
      return redirect(302, METADATA_URL);
    case 'loopback':
      return redirect(302, `http://127.0.0.2:${portOf(host)}${url.pathname}${url.search}`);
    case 'flaky':
      if (state.flakySeen.has(orderId)) return undefined;
      state.flakySeen.add(orderId);
      return page(503, errorPage(503, 'The shop is busy; try again.'));
    case 'chain': {
      const hop = Number(url.searchParams.get('hop') ?? '0');
      if (hop >= CHAIN_HOPS) return undefined;
      const next = new URL(url.toString());
      next.searchParams.set('hop', String(hop + 1));
      return redirect(302, `${next.pathname}${next.search}`);
    }
    default:
      return undefined;
  }
}

function serveOrder(state: ShopState, url: URL, orderId: string, host: string): Reply {
  const early = failureOrRedirect(state, url, orderId, host);
  if (early) return early;
  const view = viewOf(state, orderId, url.searchParams, host);
  const frameUrl =
    variantOf(orderId, url.searchParams) === 'iframe'
      ? `/frame${url.pathname}${url.search}`
      : undefined;
  return page(200, orderPage(view, frameUrl));
}

async function confirmOrder(
  state: ShopState,
  request: IncomingMessage,
  orderId: string,
): Promise<Reply> {
  const form = await readForm(request);
  const amount = canonicalAmountOr(form.get('amount'), DEFAULT_AMOUNT);
  const variant = variantOf(orderId, new URLSearchParams());
  if (variant === 'confirmerror') {
    return page(500, errorPage(500, 'The payment service failed; the order is not confirmed.'));
  }
  if (variant === 'form') {
    const reference = form.get('reference')?.trim() ?? '';
    if (!reference) return page(422, errorPage(422, 'A reference is required.'));
    state.confirm(orderId, amount, { reference, delivery: form.get('delivery') ?? 'standard' });
  } else {
    state.confirm(orderId, amount);
  }
  if (variant === 'hangconfirm') return { kind: 'hang' };
  return redirect(303, `/orders/${encodeURIComponent(orderId)}/confirmation`);
}

function serveConfirmation(state: ShopState, orderId: string): Reply {
  const variant = variantOf(orderId, new URLSearchParams());
  const orderNumber = state.orderNumber(orderId, variant);
  if (!orderNumber) return page(404, errorPage(404, `Order ${orderId} is not confirmed.`));
  return page(200, confirmationPage(orderId, variant === 'nonumber' ? undefined : orderNumber));
}

function serveConfirmationList(state: ShopState, url: URL): Reply {
  const orderId = url.searchParams.get('orderId');
  const confirmations = orderId
    ? state.confirmations.filter((entry) => entry.orderId === orderId)
    : state.confirmations;
  return page(200, JSON.stringify({ confirmations }), 'application/json');
}

const ORDER_PATH = /^\/orders\/([A-Za-z0-9_-]{1,64})(\/confirm|\/confirmation)?$/;
const FRAME_PATH = /^\/frame\/orders\/([A-Za-z0-9_-]{1,64})$/;

async function route(state: ShopState, request: IncomingMessage): Promise<Reply> {
  const url = new URL(request.url ?? '/', 'http://shop.invalid');
  const method = request.method ?? 'GET';
  const host = request.headers.host ?? '127.0.0.1';
  if (method === 'GET' && url.pathname === '/') return page(200, indexPage());
  if (method === 'GET' && url.pathname === '/healthz') {
    return page(200, '{"status":"ok"}', 'application/json');
  }
  if (method === 'GET' && url.pathname === '/api/confirmations') {
    return serveConfirmationList(state, url);
  }

  const frameId = FRAME_PATH.exec(url.pathname)?.[1];
  if (method === 'GET' && frameId) {
    return page(200, orderFrame(viewOf(state, frameId, url.searchParams, host)));
  }
  const [, orderId, action] = ORDER_PATH.exec(url.pathname) ?? [];
  if (orderId && action === undefined && method === 'GET')
    return serveOrder(state, url, orderId, host);
  if (orderId && action === '/confirm' && method === 'POST')
    return confirmOrder(state, request, orderId);
  if (orderId && action === '/confirmation' && method === 'GET')
    return serveConfirmation(state, orderId);
  return page(404, errorPage(404, `Nothing at ${url.pathname}.`));
}

/** Starts the demo shop on `host` (default 127.0.0.1) and `port` (default a free one). */
export async function startDemoShop(options: DemoShopOptions = {}): Promise<DemoShop> {
  const state = new ShopState();
  const server = createServer((request, response) => {
    route(state, request)
      .then((reply) => write(state, response, reply))
      .catch(() => write(state, response, page(500, errorPage(500, 'The shop failed.'))));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    confirmations: () => [...state.confirmations],
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of state.hanging) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
