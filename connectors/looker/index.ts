/** Public API of the Looker connector (no Temporal imports anywhere below here). */
export { LookerClient, splitDatagroupName, type LookerClientOptions, type LookerDatagroup, type ResolvedDatagroup } from './client';
export {
  LookerError, LookerLoginRefusedError, LookerRateLimitedError, LookerRequestError, LookerUnavailableError, LookerUnknownDatagroupError,
} from './errors';
