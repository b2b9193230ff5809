import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { openJson, sealJson, keyIdOf, type KeyRing } from '../common/crypto';
import type { Db } from './pool';

export type CredentialKind =
  | 'freshbooks_oauth' | 'google_service_account' | 'freshbooks_webhook_verifier' | 'powerbi_service_principal' | 'bigcommerce_store'
  | 'postgres_warehouse_url' | 'looker_api_key' | 'tableau_pat';
export type CredentialStatus = 'active' | 'needs_reauth' | 'revoked';

export interface FreshBooksGrantSecret {
  accessToken: string;
  refreshToken: string;
  /** ms since epoch */
  expiresAt: number;
  scope?: string;
}

export interface ServiceAccountSecret {
  keyJson: string;
}

/** A Postgres warehouse's connection URL: it holds the role's password. */
export interface PostgresWarehouseSecret {
  url: string;
}

/** A Looker API key's secret half; the client id is kept in the connection's config. */
export interface LookerApiKeySecret {
  clientSecret: string;
}

export interface CredentialRecord<S> {
  id: string;
  kind: CredentialKind;
  version: number;
  status: CredentialStatus;
  metadata: Record<string, unknown>;
  secret: S;
}

interface Row {
  id: string;
  kind: CredentialKind;
  sealed: Buffer;
  version: number;
  status: CredentialStatus;
  metadata: Record<string, unknown>;
}

/** The credential id is the associated data, so a sealed value only opens on its own row. */
export class CredentialStore {
  constructor(private readonly db: Db, private readonly keys: KeyRing) {}

  async create<S>(kind: CredentialKind, secret: S, metadata: Record<string, unknown> = {}, id = `cred_${randomUUID()}`): Promise<string> {
    const sealed = sealJson(this.keys, secret, id);
    await this.db.query(
      'INSERT INTO credentials (id, kind, sealed, key_id, metadata) VALUES ($1, $2, $3, $4, $5)',
      [id, kind, sealed, keyIdOf(sealed), metadata],
    );
    return id;
  }

  async get<S>(id: string): Promise<CredentialRecord<S> | null> {
    const { rows } = await this.db.query<Row>('SELECT id, kind, sealed, version, status, metadata FROM credentials WHERE id = $1', [id]);
    return rows[0] ? this.toRecord<S>(rows[0]) : null;
  }

  /**
   * Runs `fn` with the row locked, so a rotation (read old refresh token → call provider → store new
   * pair) is atomic with respect to every other writer. `fn` returns the new secret to store, or null
   * to leave it unchanged.
   */
  async withLocked<S, R>(id: string, fn: (current: CredentialRecord<S>, tx: PoolClient) => Promise<{ secret?: S; metadata?: Record<string, unknown>; status?: CredentialStatus; result: R }>): Promise<R> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Row>('SELECT id, kind, sealed, version, status, metadata FROM credentials WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) throw new Error(`credential ${id} not found`);
      const current = this.toRecord<S>(rows[0]);
      const out = await fn(current, client);
      if (out.secret !== undefined || out.metadata || out.status) {
        const sealed = out.secret !== undefined ? sealJson(this.keys, out.secret, id) : rows[0].sealed;
        await client.query(
          `UPDATE credentials SET sealed = $2, key_id = $3, metadata = $4, status = $5,
             version = version + $6, updated_at = now() WHERE id = $1`,
          [id, sealed, keyIdOf(sealed), { ...current.metadata, ...out.metadata }, out.status ?? current.status, out.secret !== undefined ? 1 : 0],
        );
      }
      await client.query('COMMIT');
      return out.result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Replaces the secret (re-authorization) and reactivates the credential; returns the new version. */
  async replace<S>(id: string, secret: S, metadata: Record<string, unknown> = {}): Promise<number> {
    return this.withLocked<S, number>(id, async (current) => ({ secret, metadata, status: 'active', result: current.version + 1 }));
  }

  /**
   * Creates or replaces the secret under a fixed id inside the caller's transaction, so it is stored
   * together with the row that refers to it or not at all.
   */
  async putIn<S>(tx: PoolClient, kind: CredentialKind, id: string, secret: S, metadata: Record<string, unknown> = {}): Promise<void> {
    const sealed = sealJson(this.keys, secret, id);
    await tx.query(
      `INSERT INTO credentials (id, kind, sealed, key_id, metadata) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, metadata = EXCLUDED.metadata,
         status = 'active', version = credentials.version + 1, updated_at = now()`,
      [id, kind, sealed, keyIdOf(sealed), metadata],
    );
  }

  async exists(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM credentials WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  /** With a version, only if the secret is still the one read at that version (not replaced since). */
  async remove(id: string, version?: number): Promise<void> {
    if (version === undefined) await this.db.query('DELETE FROM credentials WHERE id = $1', [id]);
    else await this.db.query('DELETE FROM credentials WHERE id = $1 AND version = $2', [id, version]);
  }

  async setStatus(id: string, status: CredentialStatus): Promise<void> {
    await this.db.query('UPDATE credentials SET status = $2, updated_at = now() WHERE id = $1', [id, status]);
  }

  private toRecord<S>(row: Row): CredentialRecord<S> {
    return {
      id: row.id,
      kind: row.kind,
      version: row.version,
      status: row.status,
      metadata: row.metadata,
      secret: openJson<S>(this.keys, row.sealed, row.id),
    };
  }
}

export interface WebhookVerifierSecret {
  verifier: string;
}

export interface PowerBiServicePrincipalSecret {
  clientSecret: string;
}

/** A store-level API account: the token sent as X-Auth-Token, the secret header our hooks carry, and
 * the account's client secret when the user gave it (Standard Webhooks signatures). */
export interface BigCommerceStoreSecret {
  accessToken: string;
  hookSecret: string;
  clientSecret?: string;
}

/** A Tableau personal access token: name and secret are replaced together when the user enters a new one. */
export interface TableauPatSecret {
  patName: string;
  patSecret: string;
}
