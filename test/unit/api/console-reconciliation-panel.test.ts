import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Response } from 'express';
import type { ReconciliationReport } from '../../../contracts/reconciliation';
import { ago } from '../../../api/console/present';
import { render } from '../../../api/console/render';

/** The panel as the connection page renders it, for a report in the shared contract's shape. */
function panel(report: ReconciliationReport | undefined): string {
  let html = '';
  const res = { locals: {}, status() { return this; }, type() { return this; }, send(s: string) { html = s; return this; } } as unknown as Response;
  render(res, 'partials/reconciliation', { report, ago });
  return html;
}

const base: ReconciliationReport = {
  id: 'rec_1', connectionId: 'conn_1', trigger: 'on_demand', status: 'clean', startedAt: '2026-12-06T10:00:00Z', finishedAt: '2026-12-06T10:00:05Z',
  sourceRequests: 10, entities: [],
};

test('no report yet says so', () => {
  assert.match(panel(undefined), /No report yet/);
});

test('a report with differences lists them by entity, with sums, and escapes what it shows', () => {
  const html = panel({
    ...base, status: 'differences',
    entities: [{
      entity: 'invoices', sourceCount: 250, destinationCount: 249, method: 'queried',
      sums: [{ column: 'amount', currency: 'USD', source: '1000.00', destination: '990.00' }],
      missingInDestination: ['4711'], extraInDestination: ['<b>9</b>'], tombstoned: ['9'], truncated: false,
    }],
  });
  assert.match(html, /id="reconciliation-status">differences</);
  assert.match(html, /data-entity="invoices"/);
  assert.match(html, />250</);
  assert.match(html, /249 \(queried\)/);
  assert.match(html, /amount USD: 1000\.00 \/ 990\.00/);
  assert.match(html, />4711</);
  assert.ok(html.includes('&lt;b&gt;9&lt;/b&gt;') && !html.includes('<b>9</b>'), 'ids are escaped');
});

test('a store report shows paid orders against invoices per day; a failed one says why', () => {
  const store = panel({ ...base, entities: [], orderDays: [{ day: '2026-12-05', currency: 'USD', paidOrders: 3, invoices: 2, paidTotal: '30.00', invoicedTotal: '20.00', missingInvoices: [101] }] });
  assert.match(store, /2026-12-05/);
  assert.match(store, /30\.00 \/ 20\.00/);
  assert.match(store, />101</);
  const failed = panel({ ...base, status: 'failed', error: 'BigQuery did not answer' });
  assert.match(failed, /role="alert">BigQuery did not answer</);
});
