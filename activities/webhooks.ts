import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import { FreshBooksApiError, type FreshBooksCallback } from '../connectors/freshbooks';
import { WebhookCallbackStore } from '../db/webhook-callbacks';
import type { WebhookCheck } from '../contracts/sync';
import { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';

/** A callback this young may still be waiting for FreshBooks' verify post; older, it is re-registered. */
const VERIFY_GRACE_MS = 2 * 60_000;

export function freshbooksCallbackUri(publicUrl: string, connectionId: string): string {
  return `${publicUrl}/webhooks/freshbooks/${encodeURIComponent(connectionId)}`;
}

/** The callback events for a set of entities: the bare noun subscribes to create, update and delete. */
export function webhookEvents(entities: string[]): string[] {
  const nouns = entities.map((e) => FRESHBOOKS_ENTITIES[e as FreshBooksEntity]?.webhookNoun).filter((n): n is string => !!n);
  return [...new Set(nouns)].sort();
}

/**
 * The connection's FreshBooks callbacks, kept as the connection needs them: one verified callback per
 * record type pointed at our public URL, each with its verifier stored (sealed) so deliveries can be
 * checked. Missing or stuck ones are registered again, strays removed, and the outcome written to the
 * connection's status where the API shows it.
 */
export function webhookActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const store = new WebhookCallbackStore(deps.db, deps.credentials);

  async function ensureWebhooks(connectionId: string): Promise<WebhookCheck> {
    const c = await runtime.connection(connectionId);
    const api = runtime.callbacks(c);
    const uri = freshbooksCallbackUri(deps.config.publicUrl, connectionId);
    const wanted = c.settings.webhooks === false ? [] : webhookEvents(c.settings.entities);
    const remote = await api.list(uri);
    const local = new Map((await store.list(connectionId)).map((l) => [l.callbackId, l]));
    const report: { event: string; callbackId?: number; state: string }[] = [];
    const reRegistered: { event: string; reason: string }[] = [];
    let registered = 0;
    const keep = new Set<number>();

    // One event's callback is independent of the others': checked and registered all at once, since each
    // registration is a FreshBooks round trip and a new connection's first run waits for them (6 in turn took
    // ~0.2 s of a 4.6 s Tableau backfill). The report keeps the events' order.
    const outcomes = await Promise.all(wanted.map(async (event): Promise<{ entry: (typeof report)[number]; reRegistered?: { event: string; reason: string } }> => {
      const mine = remote.filter((r) => r.event === event);
      let chosen = mine.find((r) => r.verified && local.get(r.callbackId)?.verified);
      for (const r of mine) {
        if (chosen) break;
        if (!r.verified && local.get(r.callbackId)?.hasPendingVerifier && (await confirm(connectionId, api, r.callbackId)) === 'verified') chosen = r;
      }
      const waiting = chosen ? undefined : mine.find((r) => !r.verified && isRecent(local.get(r.callbackId)?.createdAt));
      if (chosen || waiting) {
        const cb = (chosen ?? waiting)!;
        keep.add(cb.callbackId);
        await store.recordRegistered(connectionId, cb.callbackId, event, uri);
        return { entry: { event, callbackId: cb.callbackId, state: chosen ? 'verified' : 'awaiting_verification' } };
      }
      // Nothing usable: FreshBooks lost it, never verified it, or we no longer hold its verifier.
      const reason = mine.length === 0 ? 'missing' : mine.some((r) => r.verified) ? 'verifier_unknown' : 'unverified';
      const again = mine.length > 0 || [...local.values()].some((l) => l.event === event) ? { event, reason } : undefined;
      const created = await api.register(event, uri);
      registered += 1;
      keep.add(created.callbackId);
      await store.recordRegistered(connectionId, created.callbackId, event, uri);
      return { entry: { event, callbackId: created.callbackId, state: 'awaiting_verification' }, ...(again ? { reRegistered: again } : {}) };
    }));
    for (const o of outcomes) {
      report.push(o.entry);
      if (o.reRegistered) reRegistered.push(o.reRegistered);
    }

    for (const r of remote) if (!keep.has(r.callbackId)) await removeCallback(connectionId, api, r);
    for (const l of local.values()) if (!keep.has(l.callbackId)) await store.remove(connectionId, l.callbackId);

    const verified = report.filter((r) => r.state === 'verified').length;
    await deps.connections.mergeStatusDetail(connectionId, {
      webhooks: { checkedAt: new Date().toISOString(), uri, callbacks: report, ...(reRegistered.length ? { reRegistered } : {}) },
    });
    return { wanted: wanted.length, verified, registered, awaitingVerification: report.length - verified };
  }

  /** Sends back verifiers FreshBooks posted; returns the callbacks now verified. */
  async function confirmWebhooks(input: { connectionId: string; callbackIds: number[] }): Promise<number[]> {
    const c = await runtime.connection(input.connectionId);
    const api = runtime.callbacks(c);
    const done: number[] = [];
    for (const id of input.callbackIds) if ((await confirm(input.connectionId, api, id)) === 'verified') done.push(id);
    return done;
  }

  /** Removes every callback of a deleted connection at FreshBooks and here. */
  async function removeWebhooks(connectionId: string): Promise<number> {
    const c = await deps.connections.getIncludingDeleted(connectionId);
    if (!c) return 0;
    const api = runtime.callbacks(c);
    const remote = await api.list(freshbooksCallbackUri(deps.config.publicUrl, connectionId));
    for (const r of remote) await removeCallback(connectionId, api, r);
    for (const l of await store.list(connectionId)) await store.remove(connectionId, l.callbackId);
    return remote.length;
  }

  async function confirm(connectionId: string, api: ReturnType<ConnectionRuntime['callbacks']>, callbackId: number): Promise<'verified' | 'refused' | 'no_verifier'> {
    const pending = await store.pendingVerifier(connectionId, callbackId);
    if (!pending) return 'no_verifier';
    try {
      await api.confirm(callbackId, pending.verifier);
    } catch (err) {
      // FreshBooks refusing the verifier (422) or not knowing the callback (404) means the post we
      // stored it from was not FreshBooks', or is stale: drop it rather than trust it. Only the pending
      // slot goes: a forged post must not cost a verified callback its secret.
      if (err instanceof FreshBooksApiError && (err.status === 422 || err.status === 404 || err.status === 400)) {
        await store.dropPendingVerifier(connectionId, callbackId, pending);
        return 'refused';
      }
      throw err;
    }
    return (await store.promoteVerifier(connectionId, callbackId, pending)) ? 'verified' : 'refused';
  }

  async function removeCallback(connectionId: string, api: ReturnType<ConnectionRuntime['callbacks']>, r: FreshBooksCallback): Promise<void> {
    await api.remove(r.callbackId);
    await store.remove(connectionId, r.callbackId);
  }

  return { ensureWebhooks, confirmWebhooks, removeWebhooks };
}

function isRecent(createdAt: string | undefined): boolean {
  return createdAt !== undefined && Date.now() - Date.parse(createdAt) < VERIFY_GRACE_MS;
}
