import type { ConnectionListState, ConnectionWorkflowStatus } from '../../contracts/connection';
import type { ConnectionRecord } from '../../db/connections';
import type { DeliveryActivity, WebhookHealth } from '../../db/connection-activity';

/** How the console words a connection's state: one badge, its tone, and a sentence for people. */
export interface Badge {
  label: string;
  tone: 'ok' | 'busy' | 'warn' | 'bad' | 'muted';
  explain: string;
}

/**
 * The stored status says what a person must do (re-authorize, fix destination credentials); the
 * workflow's phase says what it is doing now. The first wins: it is why the second is stuck.
 */
export function badgeOf(c: ConnectionRecord, phase: ConnectionWorkflowStatus['phase'] | undefined): Badge {
  if (c.status === 'needs_reauth') return { label: 'needs_reauth', tone: 'bad', explain: 'FreshBooks refused the authorization: re-authorize to resume.' };
  if (c.status === 'destination_auth') return { label: 'destination_auth', tone: 'bad', explain: 'The destination refused our credentials: replace them to resume.' };
  if (c.status === 'paused' || phase === 'paused') return { label: 'paused', tone: 'muted', explain: 'Paused: changes wait until it is resumed.' };
  switch (phase) {
    case 'schema_mismatch': return { label: 'schema_mismatch', tone: 'bad', explain: 'The destination\'s tables differ from ours: update the schema.' };
    case 'backing_off': return { label: 'backing off', tone: 'warn', explain: 'The last run failed; it will be retried after a pause.' };
    case 'needs_reauth': return { label: 'needs_reauth', tone: 'bad', explain: 'FreshBooks refused the authorization: re-authorize to resume.' };
    case 'destination_auth': return { label: 'destination_auth', tone: 'bad', explain: 'The destination refused our credentials.' };
    case 'syncing': return { label: 'syncing', tone: 'busy', explain: 'A run is in progress.' };
    case 'waiting': return { label: 'active', tone: 'ok', explain: 'Up to date; waiting for the next poll or webhook.' };
    default: return { label: c.status, tone: 'ok', explain: '' };
  }
}

/** "3 min ago", for freshness and last runs; the exact time goes in a title. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${until(-s)}`;
  return `${until(s)} ago`;
}

function until(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export function sourceAndDestination(c: ConnectionRecord): { source: string; destination: string } {
  return c.destination.type === 'bigcommerce'
    ? { source: `BigCommerce ${c.destination.storeHash}`, destination: 'FreshBooks' }
    : { source: 'FreshBooks', destination: destinationName[c.destination.type] ?? c.destination.type };
}

const destinationName: Record<string, string> = { bigquery: 'BigQuery', powerbi: 'Power BI', postgres: 'Postgres warehouse', tableau: 'Tableau' };

export interface ConnectionRow {
  id: string;
  source: string;
  destination: string;
  business: string;
  badge: Badge;
  freshness: string;
  freshnessAt: string | null;
  lastRun: string;
  lastRunError: string | null;
  nextPoll: string;
  delivered: number;
  webhooks: string;
}

/** What the list needs of a workflow: its row in Postgres, or (no row written yet) its status query's answer. */
export type ListedWorkflow = Pick<ConnectionListState, 'phase' | 'nextPollAt' | 'webhookError'>;

export function listedFromStatus(s: ConnectionWorkflowStatus): ListedWorkflow {
  return { phase: s.phase, nextPollAt: s.nextPollAt ?? null, webhookError: s.webhooks.lastError ?? null };
}

/** Webhook health in words: the workflow's last webhook error, else the callbacks and the changes waiting in the inbox. */
export function webhookWords(c: ConnectionRecord, status: ListedWorkflow | null, health: WebhookHealth | undefined): string {
  if (status?.webhookError) return `error: ${status.webhookError}`;
  const waiting = health?.waiting ? `, ${health.waiting} waiting` : '';
  if (health && health.callbacks > 0) return `${health.verified}/${health.callbacks} callbacks verified${waiting}`;
  if (c.settings.webhooks === false) return `off${waiting}`;
  return status ? `no callbacks yet${waiting}` : '—';
}

export function connectionRow(
  c: ConnectionRecord,
  status: ListedWorkflow | null,
  activity: DeliveryActivity | undefined,
  lastRun: { startedAt: string; finishedAt: string | null; error: string | null } | undefined,
  health?: WebhookHealth,
): ConnectionRow {
  return {
    id: c.id,
    ...sourceAndDestination(c),
    business: c.freshbooks.businessName,
    badge: badgeOf(c, status?.phase),
    freshness: ago(activity?.lastDeliveredAt),
    freshnessAt: activity?.lastDeliveredAt ?? null,
    lastRun: lastRun ? (lastRun.finishedAt ? `finished ${ago(lastRun.finishedAt)}` : `running since ${ago(lastRun.startedAt)}`) : 'none yet',
    lastRunError: lastRun?.error ?? null,
    nextPoll: status?.nextPollAt && status.phase !== 'paused' ? ago(status.nextPollAt) : '—',
    delivered: activity?.delivered ?? 0,
    webhooks: webhookWords(c, status, health),
  };
}
