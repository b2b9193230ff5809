import type { DestinationType } from '../../contracts/destination-kinds';

/**
 * The connect form: which fields each destination asks for, and how the posted form becomes the body
 * `createConnectionsInput` validates, so the console and the JSON API refuse the same things with the
 * same messages, which the page shows at the field they name (`destination.datasetId`, `businessIds`).
 */
export interface FieldSpec {
  /** The zod path under `destination`. */
  name: string;
  label: string;
  kind: 'text' | 'secret' | 'json-file' | 'select';
  options?: string[];
  placeholder?: string;
  help?: string;
}

export const DESTINATION_FORMS: Record<DestinationType, { label: string; fields: FieldSpec[] }> = {
  bigquery: {
    label: 'Google BigQuery',
    fields: [
      { name: 'projectId', label: 'Project id', kind: 'text', placeholder: 'my-project' },
      { name: 'datasetId', label: 'Dataset', kind: 'text', placeholder: 'freshbooks' },
      { name: 'location', label: 'Location', kind: 'text', placeholder: 'US' },
      { name: 'serviceAccountKey', label: 'Service account key (JSON)', kind: 'json-file', help: 'Choose the key file Google gave you, or paste its contents. It is stored encrypted and never shown again.' },
    ],
  },
  powerbi: {
    label: 'Microsoft Power BI',
    fields: [
      { name: 'tenantId', label: 'Tenant id', kind: 'text' },
      { name: 'clientId', label: 'Client (application) id', kind: 'text' },
      { name: 'clientSecret', label: 'Client secret', kind: 'secret' },
      { name: 'workspaceId', label: 'Workspace id', kind: 'text' },
      { name: 'datasetName', label: 'Dataset name', kind: 'text', placeholder: 'FreshBooks' },
    ],
  },
  postgres: {
    label: 'Postgres warehouse',
    fields: [
      { name: 'url', label: 'Connection URL', kind: 'secret', placeholder: 'postgres://user:password@host:5432/db' },
      { name: 'schema', label: 'Schema', kind: 'text', placeholder: 'freshbooks' },
    ],
  },
  tableau: {
    label: 'Tableau',
    fields: [
      { name: 'deployment', label: 'Deployment', kind: 'select', options: ['cloud', 'server'] },
      { name: 'siteUrl', label: 'Site URL', kind: 'text', placeholder: 'https://10ay.online.tableau.com/#/site/acme/home' },
      { name: 'patName', label: 'Personal access token name', kind: 'text' },
      { name: 'patSecret', label: 'Personal access token secret', kind: 'secret' },
      { name: 'project', label: 'Project', kind: 'text', placeholder: 'Default' },
      { name: 'dataSourceName', label: 'Data source name', kind: 'text', placeholder: 'FreshBooks' },
    ],
  },
};

export const isDestinationType = (t: unknown): t is DestinationType => typeof t === 'string' && Object.hasOwn(DESTINATION_FORMS, t);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
/** A whole number as typed, or the text itself so zod names the field ("expected number"). */
const integer = (v: string) => (/^\d{1,15}$/.test(v) ? Number(v) : v);

/**
 * The urlencoded form as the API's JSON body. Blank fields are left out so the schema's defaults
 * apply; the form's own values are never echoed into errors for secret fields (the page re-renders
 * without them).
 */
export function connectBody(authorizationId: string, form: Record<string, unknown>): Record<string, unknown> {
  const type = text(form.destinationType);
  const destination: Record<string, unknown> = { type };
  if (isDestinationType(type)) {
    for (const f of DESTINATION_FORMS[type].fields) {
      const v = text(form[`destination.${f.name}`]);
      if (v !== undefined) destination[f.name] = v;
    }
  }
  const poll = text(form.pollIntervalSec);
  return {
    authorizationId,
    businessIds: list(form.businessIds).map((b) => (typeof b === 'string' ? integer(b) : b)),
    destination,
    settings: {
      pollIntervalSec: poll === undefined ? 900 : integer(poll),
      reconcileEveryHours: 24,
      webhooks: form.webhooks === 'on',
    },
  };
}

/** The values the form re-renders with after a refusal: everything but secrets, which are typed again. */
export function keptValues(form: Record<string, unknown>, type: DestinationType | undefined): Record<string, string | string[]> {
  const secret = new Set((type ? DESTINATION_FORMS[type].fields : []).filter((f) => f.kind !== 'text' && f.kind !== 'select').map((f) => `destination.${f.name}`));
  const kept: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(form)) {
    if (secret.has(k) || k === '_csrf') continue;
    if (typeof v === 'string') kept[k] = v;
    else if (Array.isArray(v)) kept[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return kept;
}

/** The store form as `createStoreConnectionInput`'s body: one business, the store's API account. */
export function storeConnectBody(authorizationId: string, form: Record<string, unknown>): Record<string, unknown> {
  const business = text(form.businessId);
  const clientSecret = text(form['store.clientSecret']);
  const poll = text(form.pollIntervalSec);
  const backfill = text(form.backfillDays);
  return {
    authorizationId,
    businessId: business === undefined ? undefined : integer(business),
    store: { type: 'bigcommerce', storeHash: text(form['store.storeHash']) ?? '', accessToken: text(form['store.accessToken']) ?? '', ...(clientSecret ? { clientSecret } : {}) },
    settings: { pollIntervalSec: poll === undefined ? 300 : integer(poll), backfillDays: backfill === undefined ? 30 : integer(backfill) },
  };
}
