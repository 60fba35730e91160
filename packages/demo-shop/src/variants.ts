/**
 * Behaviours of the demo shop, chosen by the order id's prefix (`slow-17`) or by the `variant`
 * query parameter. Any other order id gets the `standard` behaviour.
 */
export const VARIANTS = {
  standard: 'Order page rendered by script after 150 ms; confirming leads to the order number.',
  slow: 'The order details appear after 2.5 s.',
  hang: 'The order page never answers.',
  hangconfirm: 'Confirming records the order, then the response never arrives.',
  confirmerror: 'Confirming fails with HTTP 500 and records nothing.',
  error: 'The order page answers HTTP 500.',
  missing: 'The order page answers HTTP 404.',
  flaky: 'The first request for the order answers HTTP 503; later requests work.',
  chain: 'Three redirects lead to the order page.',
  blocked: 'The link redirects to the cloud metadata address 169.254.169.254.',
  loopback: 'The link redirects to 127.0.0.2, a loopback address outside the allow-list.',
  subrequest: 'The order page loads an image from 127.0.0.2.',
  mismatch: 'The page shows an amount 1.00 higher than the link.',
  dialog: 'Confirming opens a browser dialog that must be accepted.',
  iframe: 'Amount and confirm button sit inside an iframe.',
  form: 'Confirming needs a reference and a delivery option; both are recorded.',
  confirmed: 'The order was confirmed before anyone opened it.',
  nobutton: 'The order page never shows a confirm button.',
  nonumber: 'The confirmation page shows no order number.',
} as const;

export type Variant = keyof typeof VARIANTS;

/** Milliseconds before the order details appear, by default and for the `slow` variant. */
export const RENDER_DELAY_MS = { standard: 150, slow: 2_500 } as const;

/** Number of redirects of the `chain` variant. */
export const CHAIN_HOPS = 3;

/** Amount shown when the link carries no `amount` parameter. */
export const DEFAULT_AMOUNT = '25.00';

function isVariant(value: string): value is Variant {
  return Object.hasOwn(VARIANTS, value);
}

/** Picks the variant of an order from the `variant` query parameter or the id's prefix. */
export function variantOf(orderId: string, query: URLSearchParams): Variant {
  const requested = query.get('variant');
  if (requested && isVariant(requested)) return requested;
  const prefix = orderId.split('-')[0] ?? '';
  return isVariant(prefix) ? prefix : 'standard';
}
