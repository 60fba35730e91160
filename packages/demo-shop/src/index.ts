export { type AmountFormat, formatAmount } from './money';
export {
  type Confirmation,
  type DemoShop,
  type DemoShopOptions,
  orderNumberOf,
  startDemoShop,
} from './shop-server';
export { CHAIN_HOPS, RENDER_DELAY_MS, VARIANTS, type Variant, variantOf } from './variants';
