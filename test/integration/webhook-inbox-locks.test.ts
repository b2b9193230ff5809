import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolClient } from 'pg';
import type { WebhookChange } from '../../contracts/sync';
import { migrate } from '../../db/migrate';
import { createPool, type Db } from '../../db/pool';
import { WebhookInbox } from '../../db/webhook-inbox';
import { freshDatabase, infrastructure, stopOwnStack } from '../support/harness';

/**
 * Acknowledgements wait for the inbox insert; forwarders delete what they signalled, from every API
 * instance at once. Both lock rows in key order, so neither can hold a row the other waits for while
 * waiting for one the other holds: such a deadlock stalls the insert for Postgres' deadlock_timeout
 * (a second, every acknowledgement queued behind it too) and then fails one side.
 */
describe('webhook inbox: inserts and deletes lock rows in one order (real Postgres)', () => {
  let db: Db;
  let inbox: WebhookInbox;
  const connectionId = 'conn_locks';
  const change = (recordId: string): { connectionId: string; change: WebhookChange } =>
    ({ connectionId, change: { entity: 'invoices', recordId, deleted: false, receivedAt: new Date().toISOString() } });
  const waiting = async () => (await db.query<{ record_id: string }>('SELECT record_id FROM webhook_inbox ORDER BY record_id')).rows.map((r) => r.record_id);
  /** Resolves once a backend of this database waits for a lock: the statement under test has taken what it could. */
  const blocked = async () => {
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the statement never waited for a lock');
  };
  /** A transaction of the test's, on a client of its own. */
  const begin = async () => {
    const tx = await db.connect();
    await tx.query('BEGIN');
    return tx;
  };

  before(async () => {
    const infra = await infrastructure();
    db = createPool(await freshDatabase(infra.databaseUrl), 4);
    await migrate(db);
    await db.query(`INSERT INTO connections (id, kind, source, destination, settings) VALUES ($1, 'freshbooks_powerbi', '{}', '{}', '{}')`, [connectionId]);
    inbox = new WebhookInbox(db);
  });
  after(async () => {
    await db?.end();
    await stopOwnStack();
  });

  test('a batch re-writing waiting rows, given in reverse order, does not deadlock with a delete taking them in key order', async () => {
    await db.query('DELETE FROM webhook_inbox');
    await inbox.put([change('1'), change('2')]);
    const tx = await begin();
    try {
      // A forwarder's delete, half done: it holds the first row (in key order) and goes on to the second below.
      await tx.query(`DELETE FROM webhook_inbox WHERE connection_id = $1 AND record_id = '1'`, [connectionId]);
      const put = inbox.put([change('2'), change('1')]);
      await blocked();
      await tx.query(`DELETE FROM webhook_inbox WHERE connection_id = $1 AND record_id = '2'`, [connectionId]);
      await tx.query('COMMIT');
      await put;
    } finally {
      tx.release();
    }
    assert.deepEqual(await waiting(), ['1', '2'], 'the changes that arrived after the delete are kept');
  });

  test('a delete of signalled rows, given in reverse order, does not deadlock with a batch re-writing them in key order', async () => {
    await db.query('DELETE FROM webhook_inbox');
    await inbox.put([change('1'), change('2')]);
    const taken = (await inbox.take([connectionId], 10)).get(connectionId)!;
    const tx: PoolClient = await begin();
    try {
      // An insert's batch, half done: it has re-written the first row and goes on to the second below.
      await tx.query(`UPDATE webhook_inbox SET seq = nextval(pg_get_serial_sequence('webhook_inbox', 'seq')) WHERE connection_id = $1 AND record_id = '1'`, [connectionId]);
      const done = inbox.done([{ connectionId, entries: [...taken].reverse() }]);
      await blocked();
      await tx.query(`UPDATE webhook_inbox SET seq = nextval(pg_get_serial_sequence('webhook_inbox', 'seq')) WHERE connection_id = $1 AND record_id = '2'`, [connectionId]);
      await tx.query('COMMIT');
      await done;
    } finally {
      tx.release();
    }
    assert.deepEqual(await waiting(), ['1', '2'], 'rows changed again since they were taken stay for the next signal');
  });
});
