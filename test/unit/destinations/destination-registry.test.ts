import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { castFailure } from '../../../activities/failure-casting';
import { SchemaConflictError } from '../../../connectors/bigquery';
import { InvalidServiceAccountKeyError } from '../../../connectors/google';
import { PostgresWarehouseError } from '../../../connectors/postgres-warehouse';
import { PowerBiAuthError, PowerBiRateLimitedError, PowerBiRequestError, PowerBiUnavailableError } from '../../../connectors/powerbi';
import { readsFreshBooksWebhooks } from '../../../db/webhook-connection-kinds';
import { DESTINATION_TYPES, destinationTypeOf } from '../../../contracts/destination-kinds';
import { snapshotPlan } from '../../../destinations/plan';
import { DESTINATIONS, classifyDestinationError, destinationInput, destinationOfKind } from '../../../destinations/registry';
import { ALL_FRESHBOOKS_ENTITIES, CORE_FRESHBOOKS_ENTITIES } from '../../../common/freshbooks-entities';

describe('destination registry', () => {
  it('has one module per type, each making its own connection kind and credential kind', () => {
    assert.deepEqual(Object.keys(DESTINATIONS).sort(), [...DESTINATION_TYPES].sort());
    for (const t of DESTINATION_TYPES) {
      const m = DESTINATIONS[t];
      assert.equal(m.type, t);
      assert.equal(m.kind, `freshbooks_${t}`);
      assert.equal(destinationTypeOf(m.kind), t);
      assert.equal(destinationOfKind(m.kind), m);
      assert.equal(m.input.shape.type.value, t);
    }
    const credentialKinds = DESTINATION_TYPES.map((t) => DESTINATIONS[t].credentialKind);
    assert.equal(new Set(credentialKinds).size, credentialKinds.length);
    assert.equal(destinationOfKind('bigcommerce_freshbooks'), undefined);
  });

  it('only destination kinds receive FreshBooks webhooks', () => {
    assert.equal(readsFreshBooksWebhooks('freshbooks_bigquery'), true);
    assert.equal(readsFreshBooksWebhooks('freshbooks_powerbi'), true);
    assert.equal(readsFreshBooksWebhooks('freshbooks_postgres'), true);
    assert.equal(readsFreshBooksWebhooks('bigcommerce_freshbooks'), false);
  });

  it('plans snapshots from traits: Power BI replaces clients and accounts whole, BigQuery streams everything', () => {
    const wanted = ['invoices', 'clients', 'accounts', 'payments'] as const;
    assert.deepEqual(snapshotPlan('bigquery', [...wanted]), { changes: [...wanted], snapshots: [] });
    assert.deepEqual(snapshotPlan('postgres', [...wanted]), { changes: [...wanted], snapshots: [] });
    assert.deepEqual(snapshotPlan('powerbi', [...wanted]), { changes: ['invoices', 'payments'], snapshots: ['clients', 'accounts'] });
    // Opted-in time tracking: projects and services are dimensions there too; ledger lines are facts.
    assert.deepEqual(snapshotPlan('powerbi', ['time_entries', 'projects', 'services', 'journal_entry_details']), {
      changes: ['time_entries', 'journal_entry_details'], snapshots: ['projects', 'services'],
    });
  });

  it('keeps the defaults and the rebuild rule per destination', () => {
    // The ledger and time tracking are opt-in: new connections get the nine core entities.
    assert.deepEqual(DESTINATIONS.bigquery.traits.defaultEntities, CORE_FRESHBOOKS_ENTITIES);
    assert.equal(CORE_FRESHBOOKS_ENTITIES.length, 9);
    assert.deepEqual(DESTINATIONS.powerbi.traits.defaultEntities, ['invoices', 'payments', 'expenses', 'bills', 'clients', 'accounts']);
    assert.equal(DESTINATIONS.bigquery.traits.appendOnly, false);
    assert.deepEqual(DESTINATIONS.postgres.traits.defaultEntities, ALL_FRESHBOOKS_ENTITIES);
    assert.equal(DESTINATIONS.postgres.traits.appendOnly, false);
    assert.equal(DESTINATIONS.powerbi.traits.appendOnly, true);
  });

  it('accepts each registered input by type and refuses an unregistered one', () => {
    const bq = destinationInput.parse({ type: 'bigquery', projectId: 'my-project-1', datasetId: 'fb', serviceAccountKey: '{}' });
    assert.equal(bq.type, 'bigquery');
    assert.equal('location' in bq && bq.location, 'US');
    const pbi = destinationInput.parse({
      type: 'powerbi', tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-4000-8000-000000000001', clientSecret: 's',
      workspaceId: '00000000-0000-4000-8000-000000000002',
    });
    assert.equal('datasetName' in pbi && pbi.datasetName, 'FreshBooks');
    const pg = destinationInput.parse({ type: 'postgres', url: 'postgres://u:p@db.example:5432/wh' });
    assert.equal('schema' in pg && pg.schema, 'freshbooks');
    for (const bad of [{ url: 'mysql://u:p@h/db' }, { url: 'postgres://u:p@h' }, { url: 'not a url' }, { url: 'postgres://u:p@h/db', schema: 'Has-Caps' }, { url: 'postgres://u:p@h/db', extra: 1 }, { url: 'postgres://u:p@h/db?sslkey=/etc/shadow' }, { url: `postgres://u:p@h/${'d'.repeat(5000)}` }]) {
      const parsed = destinationInput.safeParse({ type: 'postgres', ...bad });
      assert.equal(parsed.success, false, JSON.stringify(bad));
      assert.ok(!JSON.stringify(parsed.error?.issues).includes('u:p@'), 'messages never quote the URL');
    }
    assert.equal(destinationInput.safeParse({ type: 'tableau' }).success, false);
    assert.equal(destinationInput.safeParse({ type: 'powerbi', projectId: 'my-project-1' }).success, false);
  });

  it("classifies Power BI and key errors once, and the activity interceptor casts them to those failure types", () => {
    const cases: unknown[] = [
      new PowerBiAuthError({ status: 401, message: 'wrong secret', aadCodes: [7000215] }),
      new PowerBiRequestError({ status: 403, message: 'not in the workspace' }),
      new PowerBiRequestError({ status: 400, message: 'column not found' }),
      new PowerBiRateLimitedError('throttled', 250),
      new PowerBiRateLimitedError('throttled', 30_000),
      new InvalidServiceAccountKeyError('no private_key'),
      new PostgresWarehouseError('auth', 'password authentication failed'),
      new PostgresWarehouseError('permission', 'permission denied for schema freshbooks'),
      new PostgresWarehouseError('schema_conflict', 'amount is text'),
      new PostgresWarehouseError('rejected', 'invalid input syntax for type bigint'),
    ];
    for (const err of cases) {
      const classes = DESTINATION_TYPES.map((t) => DESTINATIONS[t].classifyError(err)).filter((c) => c !== undefined);
      assert.equal(classes.length, 1, `exactly one destination claims ${String(err)}`);
      const c = classes[0]!;
      assert.deepEqual(classifyDestinationError(err), c);
      const f = castFailure(err);
      assert.ok(f instanceof ApplicationFailure);
      assert.equal(c.type, f.type);
      assert.equal(c.retryable, !f.nonRetryable);
      if (c.retryAfterMs !== undefined) assert.equal(c.retryAfterMs, f.nextRetryDelay);
    }
    // Transient errors are the connectors' and the retry policy's business, not a classification.
    for (const t of DESTINATION_TYPES) assert.equal(DESTINATIONS[t].classifyError(new PowerBiUnavailableError('503', 503)), undefined);
    // Connection refused, timeouts, deadlocks: the activity's retry policy, with the scrubbed message.
    for (const reason of ['unreachable', 'other'] as const) {
      const err = new PostgresWarehouseError(reason, 'connect ECONNREFUSED');
      for (const t of DESTINATION_TYPES) assert.equal(DESTINATIONS[t].classifyError(err), undefined);
      assert.equal(castFailure(err), err);
    }
  });

  it('classifies a BigQuery column type conflict as needing a person', () => {
    assert.deepEqual(DESTINATIONS.bigquery.classifyError(new SchemaConflictError('invoices', 'amount', 'STRING', 'NUMERIC')), { type: 'SchemaConflict', retryable: false });
  });
});
