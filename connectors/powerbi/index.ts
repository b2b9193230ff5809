/** Public API of the Power BI push-dataset connector (no Temporal imports anywhere below here). */
export {
  PowerBiClient,
  MAX_ROWS_PER_REQUEST,
  type PowerBiClientOptions,
  type PowerBiTokenSource,
  type PowerBiDataType,
  type PowerBiRetention,
  type PowerBiColumn,
  type PowerBiMeasure,
  type PowerBiTableDefinition,
  type PowerBiRelationship,
  type PowerBiDatasetDefinition,
  type PowerBiDataset,
  type PowerBiTableInfo,
  type PowerBiRequestEvent,
} from './client';
export { PowerBiTokenProvider, POWER_BI_AUTHORITY, POWER_BI_SCOPE, type PowerBiTokenProviderOptions } from './token-provider';
export { DatasetPacer, type DatasetPacerOptions, type DatasetPacing } from './pacer';
export { SharedDatasetPacer, type SharedDatasetPacerOptions } from './shared-pacer';
export {
  PowerBiError,
  PowerBiAuthError,
  PowerBiUnavailableError,
  PowerBiRateLimitedError,
  PowerBiRequestError,
  parsePowerBiError,
  parseAadError,
  type ParsedPowerBiError,
  type ParsedAadError,
} from './errors';
