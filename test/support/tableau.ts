import { createTableauSandbox, type TableauSandbox } from '../../sandbox/tableau';
import type { Harness } from './harness';
import { createConnection, postConnection, type ConnectionOptions } from './flows';

/** The Tableau sandbox, playing every Tableau host (the service is pointed at it by TABLEAU_ORIGIN_OVERRIDE). */
export interface TableauFixture {
  sb: TableauSandbox;
  url: string;
  close(): Promise<void>;
}

export async function startTableau(): Promise<TableauFixture> {
  const sb = createTableauSandbox();
  const running = await sb.listen();
  return { sb, url: running.url, close: running.close };
}

export const SERVER_SITE_URL = 'https://tableau.example.com';

export interface TableauDestinationBody {
  deployment?: 'cloud' | 'server';
  siteUrl?: string;
  patName: string;
  patSecret: string;
  project?: string;
  dataSourceName?: string;
  apiVersion?: string;
}

const tableauDestination = (dest: TableauDestinationBody) =>
  ({ type: 'tableau', deployment: 'server', siteUrl: SERVER_SITE_URL, project: 'Default', dataSourceName: 'FreshBooks', ...dest });
const tableauSettings = (opts: ConnectionOptions) => ({ ...opts, settings: { pollIntervalSec: 3600, reconcileEveryHours: 24, ...opts.settings } });

/** POST /api/connections with a Tableau destination; the raw answer (tests of refusals read it). */
export const postTableauConnection = (h: Harness, dest: TableauDestinationBody, opts: ConnectionOptions = {}) => postConnection(h, tableauDestination(dest), tableauSettings(opts));

export const createTableauConnection = (h: Harness, dest: TableauDestinationBody, opts: ConnectionOptions = {}) => createConnection(h, tableauDestination(dest), tableauSettings(opts));

/** Rows of one table of a published data source, read back from its .hyper by the sandbox. */
export async function tableauRows(t: TableauFixture, dataSourceName: string, table: string): Promise<Record<string, unknown>[]> {
  const list = (await (await fetch(`${t.url}/_sandbox/datasources?name=${encodeURIComponent(dataSourceName)}`)).json()) as { id: string }[];
  if (list.length !== 1) throw new Error(`${list.length} data sources named ${dataSourceName}`);
  const res = await fetch(`${t.url}/_sandbox/datasources/${list[0]!.id}/tables/${table}`);
  if (res.status !== 200) throw new Error(`reading ${table}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { rows: Record<string, unknown>[] }).rows;
}

export async function tableauStats(t: TableauFixture): Promise<any> {
  return (await fetch(`${t.url}/_sandbox/stats`)).json();
}
