/**
 * Request bodies checked against the published Looker 4.0 OpenAPI schemas (a trimmed copy of
 * sdk-codegen's spec/Looker.4.0.oas.json; its source and version are in the file's info block).
 * `strict: false` because the spec carries OpenAPI-only keywords (`x-looker-*`, `readOnly`, int64
 * formats) that are annotations, not JSON Schema; extra properties pass, as the schemas allow them.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import spec from './spec/looker-4.0-subset.json';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'looker', components: spec.components }, 'looker');

const validators = new Map<string, ValidateFunction>();

/** Validates `body` against `#/components/schemas/<name>`; the errors in Looker's ValidationErrorDetail shape, empty when valid. */
export function checkBody(name: keyof typeof spec.components.schemas, body: unknown): { field: string; code: string; message: string }[] {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `looker#/components/schemas/${name}` });
    validators.set(name, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => ({
    field: e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(body)',
    code: 'invalid',
    message: e.message ?? 'is invalid',
  }));
}

export const SPEC_VERSION = spec.info.version;
