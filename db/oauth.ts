import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './pool';

const STATE_TTL_MIN = 15;

export class OAuthStateStore {
  constructor(private readonly db: Db) {}

  async issue(provider: string, request: Record<string, unknown>): Promise<string> {
    const state = randomBytes(24).toString('base64url');
    await this.db.query(
      `INSERT INTO oauth_states (state, provider, request, expires_at) VALUES ($1, $2, $3, now() + interval '${STATE_TTL_MIN} minutes')`,
      [state, provider, request],
    );
    return state;
  }

  /** Single use: a state is consumed by the first callback that presents it, valid or not later. */
  async consume(provider: string, state: string): Promise<Record<string, unknown> | null> {
    const { rows } = await this.db.query<{ request: Record<string, unknown> }>(
      `UPDATE oauth_states SET consumed_at = now()
        WHERE state = $1 AND provider = $2 AND consumed_at IS NULL AND expires_at > now()
        RETURNING request`,
      [state, provider],
    );
    return rows[0]?.request ?? null;
  }
}

export interface AuthorizationRecord {
  id: string;
  credentialId: string;
  identity: Record<string, unknown>;
  request: Record<string, unknown>;
}

export class AuthorizationStore {
  constructor(private readonly db: Db) {}

  async create(credentialId: string, identity: Record<string, unknown>, request: Record<string, unknown>): Promise<string> {
    const id = `auth_${randomUUID()}`;
    await this.db.query('INSERT INTO oauth_authorizations (id, credential_id, identity, request) VALUES ($1, $2, $3, $4)', [id, credentialId, identity, request]);
    return id;
  }

  async get(id: string): Promise<AuthorizationRecord | null> {
    const { rows } = await this.db.query<{ id: string; credential_id: string; identity: Record<string, unknown>; request: Record<string, unknown> }>(
      'SELECT id, credential_id, identity, request FROM oauth_authorizations WHERE id = $1', [id]);
    const r = rows[0];
    return r ? { id: r.id, credentialId: r.credential_id, identity: r.identity, request: r.request } : null;
  }
}
