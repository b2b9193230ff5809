export { parseServiceAccountKey, InvalidServiceAccountKeyError, type ServiceAccountKey } from './service-account-key';
export {
  ServiceAccountTokenProvider,
  TokenExchangeError,
  GOOGLE_TOKEN_URL,
  BIGQUERY_SCOPE,
  type AccessTokenSource,
  type ServiceAccountTokenProviderOptions,
} from './token-provider';
export { redactSecrets } from './redact';
