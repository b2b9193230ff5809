import type { Response } from 'express';
import { z } from 'zod';
import { errorBody } from '../http-errors';

/**
 * One HTTP operation as the API serves it: path, parameters, body and every answer, each a zod schema.
 * Route files declare their operations with these and parse requests with the very same schemas, so the
 * OpenAPI document (api/openapi/document.ts) cannot describe a request the handler reads differently.
 */

/** Who may call: the admin token, the codec token, a webhook signature checked by the handler, or anyone. */
export type Access = 'admin' | 'codec' | 'signature' | 'public';

export interface ResponseSpec {
  description: string;
  /** Absent: no body (204). */
  schema?: z.ZodType;
  /** Default application/json. */
  mediaType?: string;
  /** Other media types the same status may answer with (the client picks by query or Accept). */
  alternatives?: { mediaType: string; schema: z.ZodType }[];
}

export interface Operation {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express syntax, full path from the app's root: `/api/connections/:id`. */
  path: string;
  summary: string;
  access: Access;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: { schema: z.ZodType; mediaType: string; required?: boolean };
  responses: Record<number, ResponseSpec>;
}

export const defineOperation = <const O extends Operation>(o: O): O => o;

type BodyOf<O extends Operation, S extends keyof O['responses']> = O['responses'][S] extends { schema: infer Z extends z.ZodType } ? z.output<Z> : never;

/**
 * Sends a JSON answer the operation documents: the compiler holds `body` to the status's schema, so a
 * handler cannot answer a shape (or a status) the document does not promise.
 */
export function reply<O extends Operation, S extends keyof O['responses'] & number>(res: Response, _op: O, status: S, body: BodyOf<O, S>): void {
  res.status(status).json(body);
}

const ERROR_MEANINGS: Record<number, string> = {
  400: 'malformed request (path, query, body or a value the service refuses); `details` names the fields',
  401: 'missing or wrong credential (token or signature)',
  404: 'unknown resource',
  405: 'method not allowed on this path',
  409: 'conflicts with the resource\'s state',
  413: 'body too large',
  415: 'body of the wrong media type, charset or Content-Encoding',
  502: 'an upstream system (FreshBooks, BigCommerce, a destination) failed',
  503: 'a dependency of the service is unreachable',
};

/** Error answers, each with the shared error body. */
export function errors(...statuses: number[]): Record<number, ResponseSpec> {
  return Object.fromEntries(statuses.map((s) => [s, { description: ERROR_MEANINGS[s] ?? 'refused', schema: errorBody }]));
}
