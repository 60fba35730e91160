export { type AddressClass, classifyAddress } from './address-class';
export { matchesGlob } from './glob';
export {
  type AddressPolicy,
  addressPolicyConfigShape,
  checkOrderUrl,
  checkResolvedUrl,
  type LookupFn,
  MAX_ORDER_URL_LENGTH,
  policyFromEnvConfig,
  type UrlCheck,
} from './policy';
