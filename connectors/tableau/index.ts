/** Public API of the Tableau REST connector (no Temporal imports anywhere below here). */
export {
  TableauClient,
  compareVersions,
  UPLOAD_CHUNK_BYTES,
  SINGLE_REQUEST_MAX_BYTES,
  type TableauClientOptions,
  type TableauAuth,
  type TableauPat,
  type TableauJob,
  type TableauAction,
  type TableauCondition,
  type SignInResult,
} from './client';
export { TableauSession, patKeyOf, type PatLease, type LeaseTurn, type TableauSessionOptions } from './session';
export { parseSiteUrl, TableauSiteUrlError, type TableauDeployment, type TableauSite } from './site-url';
export { multipartMixed, type MixedPart } from './multipart';
export {
  TableauApiError,
  TableauSignInError,
  TableauSessionExpiredError,
  TableauNotFoundError,
  TableauRateLimitedError,
  TableauVersionError,
  TableauJobFailedError,
  TableauJobTimeoutError,
  parseTableauError,
} from './errors';
