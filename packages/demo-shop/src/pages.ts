import { VARIANTS } from './variants';

/** Data the order page and its iframe render for one order. */
export interface OrderView {
  orderId: string;
  /** Amount as the page prints it, already formatted. */
  shownAmount: string;
  /** Canonical amount posted back with the confirm form. */
  amount: string;
  renderDelayMs: number;
  /** Order number when the order is confirmed already. */
  orderNumber?: string;
  withButton: boolean;
  withDialog: boolean;
  /** Adds a required reference field and a delivery option to the confirm form. */
  withFormFields: boolean;
  /** URL of an image the page loads, for the `subrequest` variant. */
  imageUrl?: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} · Demo Shop</title>
<style>
  body { font-family: sans-serif; margin: 0; color: #222; }
  header, footer { background: #f3f3f3; padding: 12px 24px; }
  main { padding: 24px; max-width: 880px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }
  .amount { font-weight: bold; font-size: 1.4em; }
  button { font-size: 1.1em; padding: 8px 20px; }
</style>
</head>
<body>
<header><strong>Demo Shop</strong> · <a href="/">All variants</a></header>
<main>
${body}
</main>
<footer>Demo Shop runs on this machine for tests and demos. No real orders are placed.</footer>
</body>
</html>`;
}

/** Rows of a product catalogue so that an order page has the weight of a real one. */
function catalogueRows(orderId: string): string {
  const rows: string[] = [];
  for (let line = 1; line <= 60; line += 1) {
    rows.push(
      `<tr><td>${line}</td><td>Item ${line} of order ${escapeHtml(orderId)}</td>` +
        `<td>Ships in ${(line % 5) + 1} days from warehouse ${(line % 3) + 1}</td></tr>`,
    );
  }
  return `<table><thead><tr><th>#</th><th>Article</th><th>Delivery</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Inputs of the `form` variant; the shop rejects a confirm request without a reference. */
const FORM_FIELDS =
  '<label>Your reference <input id="reference" name="reference" required></label>' +
  '<label>Delivery <select id="delivery" name="delivery">' +
  '<option value="standard">Standard</option><option value="express">Express</option>' +
  '</select></label>';

/** Renders the part of the order page that a script inserts after a delay. */
function orderDetails(view: OrderView): string {
  if (view.orderNumber) {
    return (
      `<p>Amount: <span id="order-amount" class="amount">${escapeHtml(view.shownAmount)}</span></p>` +
      `<p>Order number: <span id="order-number">${escapeHtml(view.orderNumber)}</span></p>`
    );
  }
  const onSubmit = view.withDialog
    ? ` onsubmit="return confirm('Pay ${escapeHtml(view.shownAmount)} now?')"`
    : '';
  const button = view.withButton
    ? '<button id="confirm-button" type="submit">Confirm and pay</button>'
    : '<p>This order cannot be confirmed online.</p>';
  return (
    `<p>Amount due: <span id="order-amount" class="amount">${escapeHtml(view.shownAmount)}</span></p>` +
    `<form id="confirm-form" method="post" target="_top" action="/orders/${encodeURIComponent(view.orderId)}/confirm"${onSubmit}>` +
    `<input type="hidden" name="amount" value="${escapeHtml(view.amount)}">${view.withFormFields ? FORM_FIELDS : ''}${button}</form>`
  );
}

/** Script that renders the order details after `renderDelayMs`, as single-page shops do. */
function renderLater(view: OrderView): string {
  const html = JSON.stringify(orderDetails(view)).replaceAll('<', '\\u003c');
  return (
    '<div id="order-details">Loading order…</div>' +
    `<script>setTimeout(function () { document.getElementById('order-details').innerHTML = ${html}; }, ${view.renderDelayMs});</script>`
  );
}

function statusLine(view: OrderView): string {
  return view.orderNumber
    ? '<p id="order-status" data-order-status="confirmed">This order is confirmed.</p>'
    : '<p id="order-status" data-order-status="open">This order awaits your confirmation.</p>';
}

/** Renders the order page, with the details inserted by script or, with `frameUrl`, in an iframe. */
export function orderPage(view: OrderView, frameUrl?: string): string {
  const details = frameUrl
    ? `<iframe id="order-frame" title="Order details" src="${escapeHtml(frameUrl)}" width="600" height="240"></iframe>`
    : renderLater(view);
  const image = view.imageUrl ? `<img alt="" src="${escapeHtml(view.imageUrl)}">` : '';
  return layout(
    `Order ${view.orderId}`,
    `<h1>Order ${escapeHtml(view.orderId)}</h1>${statusLine(view)}${details}${image}` +
      `<h2>Contents</h2>${catalogueRows(view.orderId)}`,
  );
}

/** Renders the document inside the iframe of the `iframe` variant. */
export function orderFrame(view: OrderView): string {
  return `<!doctype html><html><body>${renderLater(view)}</body></html>`;
}

/** Renders the page a confirmed order redirects to. A script inserts the order number. */
export function confirmationPage(orderId: string, orderNumber: string | undefined): string {
  const content = orderNumber
    ? `<p>Your order number is <span id="order-number">${escapeHtml(orderNumber)}</span>.</p>`
    : '<p>We will e-mail your order number later.</p>';
  const script = `<script>setTimeout(function () { document.getElementById('receipt').innerHTML = ${JSON.stringify(content).replaceAll('<', '\\u003c')}; }, 100);</script>`;
  return layout(
    `Order ${orderId} confirmed`,
    `<h1 id="confirmation-title">Thank you, order ${escapeHtml(orderId)} is confirmed</h1><div id="receipt"></div>${script}`,
  );
}

/** Renders the start page, which lists every variant with an example link. */
export function indexPage(): string {
  const rows = Object.entries(VARIANTS)
    .map(([name, description]) => {
      const href = `/orders/${name}-1001?amount=49.90`;
      return `<tr><td><a href="${href}">${name}</a></td><td>${escapeHtml(description)}</td></tr>`;
    })
    .join('');
  return layout(
    'Variants',
    '<h1>Demo Shop</h1><p>Order links: <code>/orders/&lt;variant&gt;-&lt;id&gt;?amount=12.50</code>. ' +
      'Add <code>format=eu</code> for amounts such as 1.234,50 €, or <code>delayMs</code> to change the render delay. ' +
      'Confirmed orders: <a href="/api/confirmations">/api/confirmations</a>.</p>' +
      `<table><thead><tr><th>Variant</th><th>Behaviour</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

/** Renders a plain error page. */
export function errorPage(status: number, message: string): string {
  return layout(`Error ${status}`, `<h1>Error ${status}</h1><p>${escapeHtml(message)}</p>`);
}
