-- FreshBooks callbacks a connection registered. The verifier (the callback's signing secret) lives
-- sealed in `credentials`; a row can exist before registration returns, because FreshBooks may post
-- the verifier before our registration call has its answer.
CREATE TABLE webhook_callbacks (
  connection_id            text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  callback_id              bigint NOT NULL,
  event                    text,
  uri                      text,
  verifier_credential_id   text REFERENCES credentials(id) ON DELETE SET NULL,
  verified                 boolean NOT NULL DEFAULT false,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, callback_id)
);

