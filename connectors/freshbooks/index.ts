/** Public API of the FreshBooks connector (no Temporal imports anywhere below here). */
export { FreshBooksClient, type TokenSource, type FreshBooksClientOptions, type ListQuery, type ListPage } from './client';
export { TokenBucketBudget, type RequestBudget, type TokenBucketOptions } from './budget';
export { MeteredBudget, type MeteredBudgetOptions, type PacingTally } from './metered-budget';
export { SharedAccountBudget } from './shared-budget';
export { buildAuthorizeUrl, exchangeCode, refreshGrant, type FreshBooksTokens } from './oauth';
export { fetchIdentity, type FreshBooksIdentity, type FreshBooksBusiness } from './identity';
export {
  FreshBooksApiError,
  FreshBooksUnauthorizedError,
  FreshBooksRateLimitedError,
  FreshBooksInvalidGrantError,
  isConflict,
  parseFreshBooksError,
  type ParsedFreshBooksError,
} from './errors';
export { FreshBooksNetworkError, parseRetryAfterMs } from './http';
export { utcToEasternDate } from './time';
export { FreshBooksCallbacks, type FreshBooksCallback } from './callbacks';
export { verifyFreshBooksWebhook, signFreshBooksWebhook, parseFreshBooksWebhookForm, type FreshBooksWebhookForm } from './webhook-signature';
export {
  FreshBooksWriter,
  type FbMoney,
  type FbClient,
  type NewClient,
  type FbItem,
  type NewItem,
  type FbInvoice,
  type FbPayment,
  type NewPayment,
  type FbCreditNote,
  type NewCreditNote,
} from './writer';
