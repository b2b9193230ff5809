import { Router, json, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import type { KeyRing } from '../../common/crypto';
import { bearerToken, requireToken } from '../admin-auth';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import { bodyOfType } from '../request-guards';
import { defineOperation, errors, reply, type Operation } from '../openapi/registry';

/**
 * Codec server for Temporal UI / CLI: shows decrypted payloads to whoever holds the codec token, a
 * credential that can decode and do nothing else (the admin token is refused here, the codec token
 * everywhere else). Shape as in samples-typescript `encryption/`. Two ways to present it:
 * - `POST /codec/decode` with `Authorization: Bearer <codec token>` (CLI `--codec-auth`, proxies);
 * - `POST /codec/<codec token>/decode`, for Temporal UI, which sends no header of ours.
 * No encode: nothing outside the service needs to write payloads under our key.
 */
const payloadsSchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })),
});

/** Both ways to present the codec token decode the same; 404 when no codec token is configured. */
const decodeOperation = {
  tag: 'codec', method: 'post', summary: 'Decrypt Temporal payloads (base64 JSON, as Temporal UI and CLI send them)',
  body: { schema: payloadsSchema, mediaType: 'application/json' },
  responses: { 200: { description: 'the decoded payloads', schema: payloadsSchema }, ...errors(400, 401, 404, 413, 415) },
} as const satisfies Partial<Operation>;
export const codecOperations = {
  decode: defineOperation({ ...decodeOperation, operationId: 'codecDecode', path: '/codec/decode', access: 'codec' }),
  decodeByPath: defineOperation({
    ...decodeOperation, operationId: 'codecDecodeByPath', path: '/codec/:token/decode', access: 'public', params: z.object({ token: z.string().regex(/^[^\x00-\x1f\x7f]+$/).describe('the codec token, for Temporal UI') }),
  }),
};

const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data !== undefined ? Buffer.from(p.data, 'base64') : undefined,
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])),
  data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
});

/** CORS for Temporal UI's page only: any other Origin gets no CORS header, so browsers keep its reads from it. */
function uiOnlyCors(allowedOrigins: string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.set('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
    }
    if (req.method === 'OPTIONS') { res.sendStatus(204); return; }
    next();
  };
}

export function codecRoutes(payloadKeys: KeyRing, settings: { token?: string; allowedOrigins: string[] }): Router {
  const r = Router();
  r.use(uiOnlyCors(settings.allowedOrigins));
  // Off unless configured: the app's 404 answers.
  if (!settings.token) return r;
  const codec = new EncryptionCodec(payloadKeys);
  const refusal = 'codec token required';
  // The token is checked before the body is read: an unauthenticated request costs no parsing.
  const byHeader = requireToken(settings.token, bearerToken, refusal);
  const byPath = requireToken(settings.token, (req) => String(req.params.token ?? ''), refusal);
  // Media type checked after the token too: an unauthenticated caller gets 401 whatever it sends.
  const body = [bodyOfType('application/json'), json({ limit: '8mb' })];
  const decode = asyncRoute(async (req, res) => {
    const { payloads } = parseBody(payloadsSchema, req.body);
    // Tampered, truncated or foreign-key ciphertext is the caller's input, not our failure.
    const decoded = await codec.decode(payloads.map(fromJson)).catch(() => { throw new HttpError(400, 'a payload cannot be decoded'); });
    reply(res, codecOperations.decode, 200, { payloads: decoded.map(toJson) });
  });
  r.post('/decode', byHeader, body, decode);
  r.post('/:token/decode', byPath, body, decode);
  return r;
}
