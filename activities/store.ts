import { getClient } from '@temporalio/activity';
import { HOOK_SECRET_HEADER, type BcHook } from '../connectors/bigcommerce';
import { BigCommerceRecordMap } from '../db/bigcommerce-orders';
import { Workflows } from '../temporal/workflow-starts';
import type { HookCheck, StorePollInput, StorePollResult } from '../contracts/store';
import { ConnectionRuntime } from './connection-runtime';
import { isStoreConnection } from '../db/connections';
import type { ActivityDeps } from './deps';
import { keepAlive } from './heartbeat';

/** The orders of a page still to work: all but those already worked at exactly the cursor, which the inclusive filter returns again. */
export function freshOrders(orders: Record<string, unknown>[], input: Pick<StorePollInput, 'since' | 'seenAtSince'>): number[] {
  const seen = new Set(input.seenAtSince);
  return orders.filter((o) => !(modifiedAt(o) === input.since && seen.has(Number(o.id)))).map((o) => Number(o.id));
}

/** Where the cursor moves once these orders (oldest change first) are done: their latest change, and the orders at it. */
export function pageCursor(orders: Record<string, unknown>[]): { maxModified?: string; idsAtMax: number[] } {
  let maxModified: string | undefined;
  let idsAtMax: number[] = [];
  for (const o of orders) {
    const m = modifiedAt(o);
    if (!m) continue;
    if (!maxModified || m > maxModified) { maxModified = m; idsAtMax = []; }
    if (m === maxModified) idsAtMax.push(Number(o.id));
  }
  return { ...(maxModified ? { maxModified } : {}), idsAtMax };
}

/** Every order event (status, refunds, transactions), customers and catalogue changes (reference §5). */
export const STORE_HOOK_SCOPES = ['store/order/*', 'store/customer/*', 'store/product/*', 'store/sku/*'] as const;
/** Orders read per poll page (v2's page size; BC's own integration guide uses 250). */
export const POLL_PAGE = 250;
/** Order workflows started at once by the poll: enough to keep Temporal busy, not the whole backlog at once. */
const SIGNAL_CONCURRENCY = 16;

export function bigcommerceHookUri(publicUrl: string, connectionId: string): string {
  return `${publicUrl}/webhooks/bigcommerce/${encodeURIComponent(connectionId)}`;
}

/** v2 dates are RFC-2822 with the store's offset; the cursor is kept as UTC ISO-8601 with the time (quirk 14). */
export function modifiedAt(order: Record<string, unknown>): string {
  const t = Date.parse(String(order.date_modified ?? ''));
  return Number.isNaN(t) ? '' : new Date(t).toISOString();
}

export function storeActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const workflows = () => new Workflows(getClient(), deps.config.temporal.taskQueue, deps.config.orders.lingerSec);
  const map = new BigCommerceRecordMap(deps.db);

  /**
   * Our hooks, as the connection needs them: one per scope pointed at our URL with our secret header,
   * active. BigCommerce deactivates hooks after ~48 h of failed deliveries or 90 days idle (§5), so
   * every poll re-activates what it finds inactive; a hook with a stale header is corrected.
   */
  async function ensureStoreHooks(connectionId: string): Promise<HookCheck> {
    const c = await runtime.storeConnection(connectionId);
    const bc = await runtime.bigcommerce(c);
    const { hookSecret } = await runtime.storeSecret(c);
    const destination = bigcommerceHookUri(deps.config.publicUrl, connectionId);
    const headers = { [HOOK_SECRET_HEADER]: hookSecret };
    const mine = (await bc.hooks()).filter((h) => h.destination === destination);
    const out: HookCheck = { scopes: [], created: 0, reactivated: 0, updated: 0 };
    for (const scope of STORE_HOOK_SCOPES) {
      const hook = mine.find((h) => h.scope === scope);
      if (!hook) {
        await bc.createHook({ scope, destination, is_active: true, headers });
        out.created++;
      } else if (!hook.is_active || !sameHeaders(hook, headers)) {
        if (!hook.is_active) out.reactivated++;
        else out.updated++;
        await bc.updateHook(hook.id, { is_active: true, headers });
      }
      out.scopes.push(scope);
    }
    await deps.connections.mergeStatusDetail(connectionId, { hooks: { ...out, checkedAt: new Date().toISOString() } });
    return out;
  }

  async function removeStoreHooks(connectionId: string): Promise<number> {
    const c = await deps.connections.getIncludingDeleted(connectionId);
    if (!c || !isStoreConnection(c)) return 0;
    const bc = await runtime.bigcommerce(c);
    const destination = bigcommerceHookUri(deps.config.publicUrl, connectionId);
    const mine = (await bc.hooks()).filter((h) => h.destination === destination);
    for (const h of mine) await bc.deleteHook(h.id);
    return mine.length;
  }

  /**
   * One page of orders modified since the cursor, oldest change first, each handed to its order
   * workflow. The workflows decide what the order needs; a re-signalled order does nothing new.
   */
  async function pollStoreOrders(input: StorePollInput): Promise<StorePollResult> {
    const c = await runtime.storeConnection(input.connectionId);
    const bc = await runtime.bigcommerce(c);
    const orders = await bc.listOrders({ ...(input.since ? { minDateModified: input.since } : {}), page: input.page, limit: POLL_PAGE });
    const fresh = freshOrders(orders, input);
    const wf = workflows();
    const at = new Date().toISOString();
    await keepAlive(async () => {
      for (let i = 0; i < fresh.length; i += SIGNAL_CONCURRENCY) {
        await Promise.all(fresh.slice(i, i + SIGNAL_CONCURRENCY).map((orderId) =>
          wf.orderChanged({ connectionId: input.connectionId, storeHash: c.destination.storeHash, orderId }, { reason: 'poll', at })));
      }
    });
    return { signalled: fresh.length, ...pageCursor(orders), more: orders.length === POLL_PAGE };
  }

  /** What the store workflow needs from the connection's configuration. */
  async function loadStorePlan(connectionId: string): Promise<{ status: string; pollIntervalSec: number; backfillSince?: string }> {
    const c = await deps.connections.getIncludingDeleted(connectionId);
    if (!c) return { status: 'deleted', pollIntervalSec: 0 };
    return { status: c.status, pollIntervalSec: c.settings.pollIntervalSec, ...(c.settings.backfillSince ? { backfillSince: c.settings.backfillSince } : {}) };
  }

  /** A changed store customer → its FreshBooks client, if an order already tied the two (never creates one). */
  async function alignClient(input: { connectionId: string; customerId: number }): Promise<boolean> {
    const clientId = await map.get(input.connectionId, 'client', `customer:${input.customerId}`);
    if (clientId === null) return false;
    const c = await runtime.storeConnection(input.connectionId);
    const customer = await (await runtime.bigcommerce(c)).customer(input.customerId);
    if (!customer) return false;
    const phone = String(customer.phone ?? '');
    await runtime.freshbooksWriter(c).updateClient(clientId, {
      email: String(customer.email ?? ''), fname: String(customer.first_name ?? ''), lname: String(customer.last_name ?? ''),
      organization: String(customer.company ?? ''), ...(phone ? { phone } : {}),
    });
    return true;
  }

  return { ensureStoreHooks, removeStoreHooks, pollStoreOrders, loadStorePlan, alignClient };
}

function sameHeaders(hook: BcHook, wanted: Record<string, string>): boolean {
  const have = Object.fromEntries(Object.entries(hook.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(wanted).every(([k, v]) => have[k.toLowerCase()] === v);
}
