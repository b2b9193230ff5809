/** Generated LookML for warehouse connections: pure functions from the table catalogue to LookML files. */
export { generateLookml, DATAGROUP, type LookmlOptions, type LookmlProject } from './project';
export { latestViewOf, type WarehouseLocation } from './dialect';
export { EXPLORES, RELATIONSHIPS, planExplores, usable, type ExploreSpec, type Relationship } from './explores';
export { PRIMARY_KEY, viewNameOf, type LookmlView } from './views';
