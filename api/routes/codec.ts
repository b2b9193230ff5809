import { Router, json, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import type { KeyRing } from '../../common/crypto';
import { requireAdmin } from '../admin-auth';
import { asyncRoute, HttpError, parseBody } from '../http-errors';

/**
 * Codec server for Temporal UI / CLI: lets an operator who holds the admin token read decrypted
 * payloads. Shape as in samples-typescript `encryption/`. Two ways to present the token:
 * - `POST /codec/decode` with `Authorization: Bearer <token>` (scripts, proxies);
 * - `POST /codec/<token>/decode`, for Temporal UI, which sends no header of ours: the operator puts
 *   `…/codec/<token>` in the UI's codec-endpoint setting in their own browser.
 */
const payloadsSchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })),
});

const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data !== undefined ? Buffer.from(p.data, 'base64') : undefined,
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])),
  data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
});

export function codecRoutes(payloadKeys: KeyRing, adminToken: string): Router {
  const codec = new EncryptionCodec(payloadKeys);
  const r = Router({ mergeParams: true });
  const byHeader = requireAdmin(adminToken);
  const byPath = requireAdmin(adminToken, (req) => String(req.params.token ?? ''));
  const authorized: RequestHandler = (req, res, next) => (req.params.token ? byPath : byHeader)(req, res, next);
  r.use((req, res, next) => {
    res.set('Access-Control-Allow-Origin', req.get('origin') ?? '*');
    res.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.set('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization, x-admin-token');
    res.set('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') { res.sendStatus(204); return; }
    next();
  });
  r.use(json({ limit: '8mb' }));
  r.post(['/encode', '/:token/encode'], authorized, asyncRoute(async (req, res) => {
    const { payloads } = parseBody(payloadsSchema, req.body);
    res.json({ payloads: (await codec.encode(payloads.map(fromJson))).map(toJson) });
  }));
  r.post(['/decode', '/:token/decode'], authorized, asyncRoute(async (req, res) => {
    const { payloads } = parseBody(payloadsSchema, req.body);
    let decoded: Payload[];
    try {
      decoded = await codec.decode(payloads.map(fromJson));
    } catch {
      // Ciphertext we did not seal, or sealed under a key we no longer hold: the caller's payload, not our fault.
      throw new HttpError(400, 'payloads could not be decrypted');
    }
    res.json({ payloads: decoded.map(toJson) });
  }));
  return r;
}
