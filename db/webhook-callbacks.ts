import type { CredentialStore, WebhookVerifierSecret } from './credentials';
import type { Db } from './pool';
import { inTransaction } from './transaction';
import { readsFreshBooksWebhooks } from './webhook-connection-kinds';
import type { ConnectionKind } from './connections';

export interface WebhookCallbackRecord {
  connectionId: string;
  callbackId: number;
  event: string | null;
  uri: string | null;
  verified: boolean;
  hasVerifier: boolean;
  /** A verifier posted to us that FreshBooks has not yet accepted back. */
  hasPendingVerifier: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A posted verifier as read before sending it back: the version tells whether it was replaced since. */
export interface PendingVerifier {
  verifier: string;
  version: number;
}

export type PendingVerifierOutcome = 'stored' | 'no_connection' | 'full';

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
  pending_verifier_credential_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const verifierCredentialId = (connectionId: string, callbackId: number) => `whv_${connectionId}_${callbackId}`;
const pendingCredentialId = (connectionId: string, callbackId: number) => `whp_${connectionId}_${callbackId}`;

/** Rows a verify post may create for callbacks we have not (yet) recorded registering: FreshBooks can
 * post before our registration call returns, for the few callbacks being registered at once. More than
 * this are someone filling our tables; a refused confirm removes each again. */
const MAX_UNREGISTERED_PER_CONNECTION = 20;

/**
 * The FreshBooks callbacks each connection owns. A posted verifier is kept (sealed, as a credential) in
 * the callback's one pending slot, and becomes its signing secret only once FreshBooks accepted it back:
 * the confirming PUT is what proves the post came from FreshBooks, since the verify post itself cannot
 * be authenticated. So a forged post can replace a pending verifier but never a verified one.
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

  /**
   * Keeps a verifier someone posted, unconfirmed, in the callback's pending slot (replacing an earlier
   * one), written together with its row or not at all. Never touches the verified secret. Creates a row
   * only for a live FreshBooks-sourced connection and within the unregistered-rows bound.
   */
  async storePendingVerifier(connectionId: string, callbackId: number, verifier: string): Promise<PendingVerifierOutcome> {
    return inTransaction(this.db, async (tx) => {
      // One writer per connection at a time, so the bound below is exact under concurrent posts.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('webhook_callbacks'), hashtext($1))`, [connectionId]);
      const conn = await tx.query<{ kind: ConnectionKind }>(`SELECT kind FROM connections WHERE id = $1 AND status <> 'deleted'`, [connectionId]);
      if (!conn.rows[0] || !readsFreshBooksWebhooks(conn.rows[0].kind)) return 'no_connection';
      const { rows } = await tx.query<Row>('SELECT * FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2 FOR UPDATE', [connectionId, callbackId]);
      if (!rows[0]) {
        const { rows: n } = await tx.query<{ n: string }>('SELECT count(*) AS n FROM webhook_callbacks WHERE connection_id = $1 AND event IS NULL', [connectionId]);
        if (Number(n[0]?.n ?? 0) >= MAX_UNREGISTERED_PER_CONNECTION) return 'full';
      }
      const id = pendingCredentialId(connectionId, callbackId);
      await this.credentials.putIn<WebhookVerifierSecret>(tx, 'freshbooks_webhook_verifier', id, { verifier }, { connectionId, callbackId, pending: true });
      await tx.query(
        `INSERT INTO webhook_callbacks (connection_id, callback_id, pending_verifier_credential_id) VALUES ($1, $2, $3)
         ON CONFLICT (connection_id, callback_id) DO UPDATE SET pending_verifier_credential_id = EXCLUDED.pending_verifier_credential_id`,
        [connectionId, callbackId, id],
      );
      return 'stored';
    });
  }

  async pendingVerifier(connectionId: string, callbackId: number): Promise<PendingVerifier | null> {
    const row = await this.row(connectionId, callbackId);
    if (!row?.pending_verifier_credential_id) return null;
    const cred = await this.credentials.get<WebhookVerifierSecret>(row.pending_verifier_credential_id);
    return cred ? { verifier: cred.secret.verifier, version: cred.version } : null;
  }

  /**
   * FreshBooks accepted this verifier: it becomes the callback's signing secret, in one transaction with
   * the row. The pending slot is emptied only if it still holds what was sent (a newer post keeps its
   * own turn). False when the callback's row is gone (removed meanwhile).
   */
  async promoteVerifier(connectionId: string, callbackId: number, accepted: PendingVerifier): Promise<boolean> {
    const promoted = await inTransaction(this.db, async (tx) => {
      const { rowCount } = await tx.query('SELECT 1 FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2 FOR UPDATE', [connectionId, callbackId]);
      if (!rowCount) return false;
      const id = verifierCredentialId(connectionId, callbackId);
      await this.credentials.putIn<WebhookVerifierSecret>(tx, 'freshbooks_webhook_verifier', id, { verifier: accepted.verifier }, { connectionId, callbackId });
      await tx.query(
        'UPDATE webhook_callbacks SET verifier_credential_id = $3, verified = true, updated_at = now() WHERE connection_id = $1 AND callback_id = $2',
        [connectionId, callbackId, id],
      );
      return true;
    });
    // The foreign key empties the pending slot with its credential.
    await this.credentials.remove(pendingCredentialId(connectionId, callbackId), accepted.version);
    return promoted;
  }

  /**
   * FreshBooks refused this verifier: the post it came from was not FreshBooks' (or is stale). Only the
   * pending slot is emptied, and a row that post created (never registered, never verified) goes too.
   */
  async dropPendingVerifier(connectionId: string, callbackId: number, refused: PendingVerifier): Promise<void> {
    await this.credentials.remove(pendingCredentialId(connectionId, callbackId), refused.version);
    await this.db.query(
      `DELETE FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2
         AND event IS NULL AND NOT verified AND verifier_credential_id IS NULL AND pending_verifier_credential_id IS NULL`,
      [connectionId, callbackId],
    );
  }

  async list(connectionId: string): Promise<WebhookCallbackRecord[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM webhook_callbacks WHERE connection_id = $1 ORDER BY callback_id', [connectionId]);
    return rows.map((r) => ({
      connectionId: r.connection_id, callbackId: Number(r.callback_id), event: r.event, uri: r.uri, verified: r.verified,
      hasVerifier: r.verifier_credential_id !== null, hasPendingVerifier: r.pending_verifier_credential_id !== null, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
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
    await this.credentials.remove(pendingCredentialId(connectionId, callbackId));
  }

  private async row(connectionId: string, callbackId: number): Promise<Row | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM webhook_callbacks WHERE connection_id = $1 AND callback_id = $2', [connectionId, callbackId]);
    return rows[0];
  }
}
