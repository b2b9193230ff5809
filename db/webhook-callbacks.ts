import type { CredentialStore, WebhookVerifierSecret } from './credentials';
import type { Db } from './pool';

export interface WebhookCallbackRecord {
  connectionId: string;
  callbackId: number;
  event: string | null;
  uri: string | null;
  verified: boolean;
  hasVerifier: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface VerifiedCallback {
  callbackId: number;
  event: string;
  verifier: string;
}

interface Row {
  connection_id: string;
  callback_id: string;
  event: string | null;
  uri: string | null;
  verified: boolean;
  verifier_credential_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const verifierCredentialId = (connectionId: string, callbackId: number) => `whv_${connectionId}_${callbackId}`;

/**
 * The FreshBooks callbacks each connection owns. A verifier is stored the moment FreshBooks posts it
 * (sealed, as a credential) but only counts once FreshBooks accepted it back: the confirming PUT is
 * what proves the post came from FreshBooks, since the verify post itself cannot be authenticated.
 */
export class WebhookCallbackStore {
  constructor(private readonly db: Db, private readonly credentials: CredentialStore) {}

  async recordRegistered(connectionId: string, callbackId: number, event: string, uri: string): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_callbacks (connection_id, callback_id, event, uri) VALUES ($1, $2, $3, $4)
       ON CONFLICT (connection_id, callback_id) DO UPDATE SET event = EXCLUDED.event, uri = EXCLUDED.uri, updated_at = now()`,
      [connectionId, callbackId, event, uri],
    );
  }

  /** Keeps a verifier FreshBooks posted, unconfirmed, replacing any earlier one for the callback. */
  async storePendingVerifier(connectionId: string, callbackId: number, verifier: string): Promise<void> {
    const id = verifierCredentialId(connectionId, callbackId);
    if (await this.credentials.exists(id)) await this.credentials.replace<WebhookVerifierSecret>(id, { verifier });
    else await this.credentials.create<WebhookVerifierSecret>('freshbooks_webhook_verifier', { verifier }, { connectionId, callbackId }, id);
    await this.db.query(
      `INSERT INTO webhook_callbacks (connection_id, callback_id, verifier_credential_id) VALUES ($1, $2, $3)
       ON CONFLICT (connection_id, callback_id) DO UPDATE SET verifier_credential_id = EXCLUDED.verifier_credential_id,
         verified = false, updated_at = now()`,
      [connectionId, callbackId, id],
    );
  }

  async count(connectionId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM webhook_callbacks WHERE connection_id = $1', [connectionId]);
    return Number(rows[0]?.n ?? 0);
  }

  async pendingVerifier(connectionId: string, callbackId: number): Promise<string | null> {
    const row = await this.row(connectionId, callbackId);
    if (!row?.verifier_credential_id) return null;
    return (await this.credentials.get<WebhookVerifierSecret>(row.verifier_credential_id))?.secret.verifier ?? null;
  }

  async markVerified(connectionId: string, callbackId: number): Promise<void> {
    await this.db.query('UPDATE webhook_callbacks SET verified = true, updated_at = now() WHERE connection_id = $1 AND callback_id = $2', [connectionId, callbackId]);
  }

  /** Forgets a verifier FreshBooks refused: it was not FreshBooks' (or is stale). */
  async dropVerifier(connectionId: string, callbackId: number): Promise<void> {
    await this.db.query(
      'UPDATE webhook_callbacks SET verifier_credential_id = NULL, verified = false, updated_at = now() WHERE connection_id = $1 AND callback_id = $2',
      [connectionId, callbackId],
    );
    await this.credentials.remove(verifierCredentialId(connectionId, callbackId));
  }

  async list(connectionId: string): Promise<WebhookCallbackRecord[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM webhook_callbacks WHERE connection_id = $1 ORDER BY callback_id', [connectionId]);
    return rows.map((r) => ({
      connectionId: r.connection_id, callbackId: Number(r.callback_id), event: r.event, uri: r.uri, verified: r.verified,
      hasVerifier: r.verifier_credential_id !== null, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** Signing secrets of the connection's confirmed callbacks. */
  async verified(connectionId: string): Promise<VerifiedCallback[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM webhook_callbacks WHERE connection_id = $1 AND verified AND verifier_credential_id IS NOT NULL', [connectionId]);
    const out: VerifiedCallback[] = [];
    for (const r of rows) {
      const cred = await this.credentials.get<WebhookVerifierSecret>(r.verifier_credential_id!);
      if (cred && r.event) out.push({ callbackId: Number(r.callback_id), event: r.event, verifier: cred.secret.verifier });
    }
    return out;
  }

  async remove(connectionId: string, callbackId: number): Promise<void> {
    await this.db.query('DELETE FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2', [connectionId, callbackId]);
    await this.credentials.remove(verifierCredentialId(connectionId, callbackId));
  }

  private async row(connectionId: string, callbackId: number): Promise<Row | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2', [connectionId, callbackId]);
    return rows[0];
  }
}
