/** The destination's schema differs from the one we write; nothing is written until a person acts. */
export class SchemaMismatchError extends Error {
  override name = 'SchemaMismatch';
  constructor(message: string, readonly mismatches: unknown[]) {
    super(message);
  }
}
