export { type AddressClass, classifyAddress } from './address-class';
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
