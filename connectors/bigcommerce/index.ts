/** Public API of the BigCommerce connector (no Temporal imports below here). */
export { BigCommerceClient, type BigCommerceClientOptions, type BcHook } from './client';
export { StoreThrottle } from './throttle';
export { BigCommerceApiError, BigCommerceRateLimitedError } from './errors';
export { HOOK_SECRET_HEADER, sameSecret, verifyStandardWebhook, type SignatureHeaders } from './webhook-auth';
