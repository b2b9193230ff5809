-- A callback.verify post cannot be authenticated, so the verifier it carries waits in a slot of its own
-- until FreshBooks accepts it back; the verified signing secret beside it is never touched by such a post.
ALTER TABLE webhook_callbacks
  ADD COLUMN pending_verifier_credential_id text REFERENCES credentials(id) ON DELETE SET NULL;

-- Before this, an unconfirmed verifier sat in the verified slot. Such handshakes are dropped (the callback
-- is re-registered once its grace has passed), and so are verifier credentials no callback row refers
-- to: the orphans an insert failing after its credential was written could leave behind.
UPDATE webhook_callbacks SET verifier_credential_id = NULL WHERE NOT verified;
DELETE FROM credentials c
 WHERE c.kind = 'freshbooks_webhook_verifier'
   AND NOT EXISTS (SELECT 1 FROM webhook_callbacks w WHERE w.verifier_credential_id = c.id);
