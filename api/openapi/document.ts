import { z } from 'zod';
import type { Operation } from './registry';

/**
 * The OpenAPI 3.1 document, made from the operations' zod schemas by zod's own JSON Schema output
 * (draft 2020-12, which is OpenAPI 3.1's dialect): requests as their input side (defaults optional),
 * responses as their output side.
 */

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
  return rest;
}

/** `/api/connections/:id` -> `/api/connections/{id}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

function parameters(where: 'path' | 'query' | 'header', shape: z.ZodObject | undefined): Json[] {
  if (!shape) return [];
  return Object.entries(shape.shape).map(([name, s]) => {
    const field = s as z.ZodType;
    const description = field.description;
    return {
      name, in: where, required: where === 'path' || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: jsonSchema(field, 'input'),
    };
  });
}

const SECURITY: Record<Operation['access'], Json[] | undefined> = {
  admin: [{ adminBearer: [] }, { adminHeader: [] }],
  codec: [{ codecBearer: [] }],
  signature: [],
  public: [],
};

function operationObject(op: Operation): Json {
  const responses = Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, {
    description: r.description,
    ...(r.schema ? {
      content: Object.fromEntries([{ mediaType: r.mediaType ?? 'application/json', schema: r.schema }, ...(r.alternatives ?? [])].map((c) => [c.mediaType, { schema: jsonSchema(c.schema, 'output') }])),
    } : {}),
  }]));
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    security: SECURITY[op.access],
    parameters: [...parameters('path', op.params), ...parameters('query', op.query), ...parameters('header', op.headers)],
    ...(op.body ? { requestBody: { required: op.body.required ?? true, content: { [op.body.mediaType]: { schema: jsonSchema(op.body.schema, 'input') } } } } : {}),
    responses,
  };
}

export function openApiDocument(operations: readonly Operation[], info: { version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    const item = (paths[path] ??= {});
    if (item[op.method]) throw new Error(`two operations for ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ml-connector API',
      version: info.version,
      description: 'Admin API, OAuth callback, webhooks, Temporal codec server, health and metrics. Generated from the zod schemas the handlers validate with. '
        + 'A path segment or query value holding a control character, or a JSON string holding NUL (U+0000), is refused with 400.',
    },
    paths,
    components: {
      securitySchemes: {
        adminBearer: { type: 'http', scheme: 'bearer', description: 'The admin token (ADMIN_TOKEN).' },
        adminHeader: { type: 'apiKey', in: 'header', name: 'X-Admin-Token', description: 'The admin token, for clients that cannot set Authorization.' },
        codecBearer: { type: 'http', scheme: 'bearer', description: 'The codec token (CODEC_TOKEN); the admin token is refused here.' },
      },
    },
  };
}
