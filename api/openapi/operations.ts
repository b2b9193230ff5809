import { z } from 'zod';
import { bigcommerceWebhookOperations } from '../routes/bigcommerce-webhooks';
import { codecOperations } from '../routes/codec';
import { connectionOperations } from '../routes/connections';
import { freshbooksOAuthOperations } from '../routes/freshbooks-oauth';
import { freshbooksWebhookOperations } from '../routes/freshbooks-webhooks';
import { lookmlOperations } from '../routes/lookml';
import { orderOperations } from '../routes/orders';
import { tableauOperations } from '../routes/tableau';
import { historyOperations } from './history';
import { reconciliationOperations } from './reconciliation';
import { defineOperation, errors, type Operation } from './registry';

/** The routes api/app.ts serves itself. */
export const serviceOperations = {
  healthz: defineOperation({
    access: 'public', tag: 'service', operationId: 'healthz', method: 'get', path: '/healthz', summary: 'Health: the API answers and reaches Postgres and Temporal',
    responses: {
      200: { description: 'healthy', schema: z.object({ ok: z.literal(true), postgres: z.literal('up'), temporal: z.literal('up') }) },
      503: { description: 'a dependency is unreachable; `down` names which', schema: z.object({ ok: z.literal(false), down: z.array(z.enum(['postgres', 'temporal'])).min(1), error: z.string() }) },
    },
  }),
  metrics: defineOperation({
    access: 'public', tag: 'service', operationId: 'metrics', method: 'get', path: '/metrics', summary: 'Prometheus metrics (text exposition format)',
    responses: { 200: { description: 'the metrics', schema: z.string(), mediaType: 'text/plain' } },
  }),
  openapi: defineOperation({
    access: 'public', tag: 'service', operationId: 'openapi', method: 'get', path: '/openapi.json', summary: 'This document',
    responses: { 200: { description: 'the OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) }, ...errors(400) },
  }),
};

/** Every operation the API serves; test/unit/api/openapi-routes.test.ts holds this list to the mounted routes. */
export const allOperations: readonly Operation[] = [
  serviceOperations, freshbooksOAuthOperations, freshbooksWebhookOperations, bigcommerceWebhookOperations, codecOperations,
  connectionOperations, lookmlOperations, tableauOperations, orderOperations, reconciliationOperations, historyOperations,
].flatMap((group) => Object.values(group));
