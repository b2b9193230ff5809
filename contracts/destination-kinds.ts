/**
 * The destination types FreshBooks data can be delivered to. Each has a folder in `destinations/` and one
 * line in `destinations/registry.ts`; the registry is a Record over this list, so a type added here
 * without a module is a compile error. A contract, so `db/` can name connection kinds without loading adapters.
 */
export const DESTINATION_TYPES = ['bigquery', 'powerbi', 'postgres', 'tableau'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** The connection kind a destination makes: FreshBooks feeding it. */
export type DestinationKind = `freshbooks_${DestinationType}`;

export const destinationKind = <T extends DestinationType>(type: T): `freshbooks_${T}` => `freshbooks_${type}`;

/** The destination type of a connection kind; undefined for kinds that deliver to no destination (a store). */
export function destinationTypeOf(kind: string): DestinationType | undefined {
  return DESTINATION_TYPES.find((t) => destinationKind(t) === kind);
}
