import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../common/freshbooks-entities';
import { sameSecret, verifyStandardWebhook } from '../connectors/bigcommerce';
import { verifyFreshBooksWebhook, type FreshBooksWebhookForm } from '../connectors/freshbooks';
import type { VerifiedCallback, WebhookCallbackStore } from '../db/webhook-callbacks';
import type { WebhookChange } from '../contracts/sync';
import type { WebhookInbox } from '../db/webhook-inbox';
import type { Workflows } from '../temporal/workflow-starts';
import type { WebhookForwarder } from './webhook-forwarder';
import { GroupCommit } from '../common/group-commit';
import { HttpError } from './http-error';
import type { StoreHookEntry, StoreHookSecrets } from './store-hook-secrets';
import type { WebhookVerifierCache } from './webhook-verifiers';

/** What a webhook route answers with a 200. */
export type Acknowledgement = { ok: true; ignored?: string; paused?: true };

const ENTITY_BY_NOUN = new Map<string, FreshBooksEntity>(
  (Object.entries(FRESHBOOKS_ENTITIES) as [FreshBooksEntity, { webhookNoun?: string }][])
    .filter(([, spec]) => spec.webhookNoun)
    .map(([entity, spec]) => [spec.webhookNoun!, entity]),
);

/** A FreshBooks delivery as the signature covers it: the form, its event name and record id. */
export interface FreshBooksDelivery {
  form: FreshBooksWebhookForm;
  name: string;
  objectId: string;
  signature: string | undefined;
}

/**
 * FreshBooks deliveries (reference/freshbooks.md §5): a verify post fills the callback's pending slot;
 * anything else must be signed by one of the connection's verified callbacks. Its change is written to
 * the inbox before the 200 (so nothing acknowledged can be lost) and forwarded to the connection's
 * workflow from there, where fetching and delivering happen.
 */
export class FreshBooksWebhookIntake {
  /** Deliveries arriving while the last insert commits go in the next one: one commit for a burst, not one per webhook. */
  private readonly inbox: GroupCommit<{ connectionId: string; change: WebhookChange }>;

  constructor(private readonly d: {
    cache: WebhookVerifierCache; callbacks: WebhookCallbackStore; workflows: Workflows; inbox: WebhookInbox; forwarder: WebhookForwarder;
    /** Told how long each inbox write took and how many changes it carried (/metrics). */
    observeInboxWrite?: (seconds: number, changes: number) => void;
  }) {
    this.inbox = new GroupCommit(async (changes) => {
      const started = process.hrtime.bigint();
      await d.inbox.put(changes);
      d.observeInboxWrite?.(Number(process.hrtime.bigint() - started) / 1e9, changes.length);
    });
  }

  /** 404 unless the connection exists and reads from FreshBooks; checked before the body is. */
  async known(connectionId: string) {
    const known = await this.d.cache.get(connectionId);
    if (!known.exists) throw new HttpError(404, 'unknown connection');
    return known;
  }

  async accept(connectionId: string, known: Awaited<ReturnType<FreshBooksWebhookIntake['known']>>, delivery: FreshBooksDelivery): Promise<Acknowledgement> {
    const { form, name, objectId, signature } = delivery;
    if (name === 'callback.verify') {
      const verifier = form.fields.get('verifier');
      if (!verifier) throw new HttpError(400, 'callback.verify without a verifier');
      // The verify post cannot be authenticated: the verifier waits in the callback's pending slot, apart
      // from any verified secret, and only signs deliveries once FreshBooks accepts it back (the
      // workflow's confirm), so a forged one is refused there and changes nothing that was verified.
      const stored = await this.d.callbacks.storePendingVerifier(connectionId, Number(objectId), verifier);
      if (stored === 'no_connection') throw new HttpError(404, 'unknown connection');
      if (stored === 'full') throw new HttpError(400, 'too many unconfirmed callbacks for this connection');
      await this.d.workflows.webhookVerifier(connectionId, Number(objectId));
      return { ok: true };
    }

    if (!signedByAny(form, signature, ordered(known.verifiers, name))) {
      const fresh = await this.d.cache.refreshed(connectionId);
      if (!signedByAny(form, signature, ordered(fresh.verifiers, name))) throw new HttpError(401, 'invalid signature');
    }
    if (form.fields.get('account_id') !== known.accountId) throw new HttpError(400, 'delivery is for another FreshBooks account');

    const [noun, action] = name.split('.');
    const entity = ENTITY_BY_NOUN.get(noun ?? '');
    // Signed by FreshBooks but for a record type we don't sync: acknowledge, or it may be re-sent.
    if (!entity) return { ok: true, ignored: name };
    const change: WebhookChange = { entity, recordId: objectId, deleted: action === 'delete', receivedAt: new Date().toISOString() };
    await this.inbox.submit({ connectionId, change });
    this.d.forwarder.poke(connectionId);
    return { ok: true };
  }
}

/** The callback registered for this event's noun first; the others only as a fallback. */
function ordered(verifiers: VerifiedCallback[], name: string): VerifiedCallback[] {
  const noun = name.split('.')[0];
  const matches = (v: VerifiedCallback) => v.event === noun || v.event === name;
  return [...verifiers.filter(matches), ...verifiers.filter((v) => !matches(v))];
}

function signedByAny(form: FreshBooksWebhookForm, signature: string | undefined, verifiers: VerifiedCallback[]): boolean {
  return verifiers.some((v) => verifyFreshBooksWebhook(form, signature, v.verifier));
}

/** The headers a BigCommerce delivery is authenticated by: our hook secret, and any Standard Webhooks signature. */
export interface StoreDeliveryHeaders {
  hookSecret: string | undefined;
  webhookId: string | undefined;
  webhookTimestamp: string | undefined;
  webhookSignature: string | undefined;
}

export interface StoreDelivery {
  scope: string;
  producer?: string;
  data: Record<string, unknown>;
}

/**
 * BigCommerce deliveries (reference/bigcommerce.md §5). A valid order event is one signal-with-start of
 * `order/<store>/<id>`: BigCommerce blocklists slow or failing endpoints, and the order is read in full
 * by its workflow anyway. Repeats and the order/updated + statusUpdated pair land on the same workflow,
 * which coalesces them.
 */
export class StoreWebhookIntake {
  constructor(private readonly d: { secrets: StoreHookSecrets; workflows: Workflows }) {}

  /** 404 for no store connection, 401 unless our secret header (and any signature) checks out; before the body is parsed. */
  async authenticate(connectionId: string, headers: StoreDeliveryHeaders, raw: string): Promise<StoreHookEntry> {
    let known = await this.d.secrets.get(connectionId);
    if (!known.exists) throw new HttpError(404, 'unknown connection');
    if (!authentic(known, headers, raw)) {
      // The secret may have just been replaced; the reload is coalesced per connection.
      known = await this.d.secrets.reload(connectionId);
      if (!authentic(known, headers, raw)) throw new HttpError(401, 'invalid webhook secret or signature');
    }
    return known;
  }

  async accept(connectionId: string, known: StoreHookEntry, delivery: StoreDelivery): Promise<Acknowledgement> {
    if (delivery.producer !== undefined && delivery.producer !== `stores/${known.storeHash}`) throw new HttpError(400, 'delivery is for another store');
    const at = new Date().toISOString();
    if (delivery.scope.startsWith('store/order/')) {
      const orderId = Number(delivery.data.type === 'transaction' ? delivery.data.order_id : delivery.data.id);
      if (!Number.isSafeInteger(orderId) || orderId <= 0) throw new HttpError(400, 'order event without an order id');
      // Nothing starts while paused; the cursor stood still, so the sweep after resuming reads this order.
      if (known.paused) return { ok: true, paused: true };
      await this.d.workflows.orderChanged({ connectionId, storeHash: known.storeHash!, orderId }, { reason: 'webhook', scope: delivery.scope, at });
      return { ok: true };
    }
    if (delivery.scope === 'store/customer/updated' || delivery.scope.startsWith('store/customer/address/')) {
      const customerId = Number(delivery.data.type === 'customer' ? delivery.data.id : (delivery.data.address as { customer_id?: unknown } | undefined)?.customer_id ?? delivery.data.id);
      if (Number.isSafeInteger(customerId) && customerId > 0) await this.d.workflows.customerChanged(connectionId, customerId);
      return { ok: true };
    }
    // Created customers and catalogue changes are matched when an order first needs them.
    return { ok: true, ignored: delivery.scope };
  }
}

function authentic(known: StoreHookEntry, h: StoreDeliveryHeaders, raw: string): boolean {
  if (!known.hookSecret || !sameSecret(h.hookSecret, known.hookSecret)) return false;
  if (h.webhookSignature === undefined || !known.clientSecret) return true;
  return verifyStandardWebhook(known.clientSecret, { id: h.webhookId, timestamp: h.webhookTimestamp, signature: h.webhookSignature }, raw);
}
