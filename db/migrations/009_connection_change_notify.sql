-- Every API instance caches, per connection, what its webhook routes check deliveries against (does the
-- connection exist, is it paused, which verifiers sign for it). Whoever commits a change to that — an API
-- instance deleting or pausing, a worker confirming a callback — announces it here, so every instance
-- forgets its copy at once instead of serving it until its TTL runs out (up to a minute).
-- NOTIFY is delivered at commit, and only then: a rolled-back change announces nothing.
CREATE FUNCTION notify_connection_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- TG_ARGV[0] names the column holding the connection id; NEW is NULL on DELETE.
  PERFORM pg_notify('connection_changed', to_jsonb(COALESCE(NEW, OLD)) ->> TG_ARGV[0]);
  RETURN NULL;
END
$$;

CREATE TRIGGER connections_changed AFTER INSERT OR UPDATE OR DELETE ON connections
  FOR EACH ROW EXECUTE FUNCTION notify_connection_changed('id');
CREATE TRIGGER webhook_callbacks_changed AFTER INSERT OR UPDATE OR DELETE ON webhook_callbacks
  FOR EACH ROW EXECUTE FUNCTION notify_connection_changed('connection_id');
