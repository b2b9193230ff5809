/**
 * Power BI push-dataset column types (reference/destinations.md B3), shared by mapping/ (which declares
 * the tables) and the Power BI connector (which sends them). The five documented types only: `Decimal`
 * appears on the dataset-properties page alone (unverified), so no table declares it.
 */
export type PowerBiDataType = 'Int64' | 'Double' | 'Boolean' | 'DateTime' | 'String';

export interface PowerBiColumn {
  name: string;
  dataType: PowerBiDataType;
}
