/**
 * Webhook callbacks (reference/freshbooks.md §5), minimal but faithful where it matters to a receiver:
 * registration answers `verified:false`, a form-encoded `callback.verify` POST carries the verifier, nothing
 * is delivered until the verifier is PUT back, deliveries are form-encoded ids only, and the signature is
 * base64 HMAC-SHA256 keyed by the verifier over Python-`json.dumps` of the form fields (§9.1), not the body.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SandboxChange } from './store';

export const WEBHOOK_NOUNS = [
  'bill', 'bill_vendor', 'category', 'client', 'credit_note', 'estimate', 'expense', 'invoice', 'item', 'payment',
  'project', 'recurring', 'service', 'tax', 'time_entry',
] as const;

export interface CallbackRec {
  callbackid: number;
  accountId: string;
  event: string;
  uri: string;
  verified: boolean;
  verifier: string;
  updated_at: string;
}

export interface DeliveryRecord {
  callbackid: number;
  uri: string;
  name: string;
  form: string;
  signature: string;
  status: number | 'error' | 'dropped';
}

/** Python's json.dumps escaping for one string: ASCII-only, `\uXXXX` lowercase, "/" left alone. */
function pyJsonString(s: string): string {
  // Python's json.dumps (ensure_ascii) also escapes DEL, which JSON.stringify leaves raw.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The exact message FreshBooks signs: json.dumps({k: str(v)}) of the form fields, in order. */
export function signatureMessage(form: URLSearchParams): string {
  // FreshBooks builds a Python dict from the form: a repeated key keeps its first place and last value.
  const fields = new Map<string, string>();
  for (const [k, v] of form) fields.set(k, v);
  return `{${[...fields].map(([k, v]) => `${pyJsonString(k)}: ${pyJsonString(v)}`).join(', ')}}`;
}

export function sign(verifier: string, form: URLSearchParams): string {
  return createHmac('sha256', verifier).update(signatureMessage(form), 'utf8').digest('base64');
}

export function isKnownEvent(event: string): boolean {
  const [noun, action, extra] = event.split('.');
  if (extra !== undefined || !(WEBHOOK_NOUNS as readonly string[]).includes(noun ?? '')) return false;
  if (action === undefined) return true;
  if (action === 'sendByEmail') return noun === 'invoice' || noun === 'estimate';
  return action === 'create' || action === 'update' || action === 'delete';
}

/** `search[event]` matches the event itself and its parent noun (§5). */
export function eventMatches(filter: string, event: string): boolean {
  return event === filter || event.split('.')[0] === filter || filter.split('.')[0] === event;
}

export class WebhookHub {
  private nextId = 100001;
  readonly callbacks = new Map<number, CallbackRec>();
  readonly deliveries: DeliveryRecord[] = [];
  /** Deliveries still to be lost on the way (tests of "FreshBooks never delivered this event"). */
  private toDrop = 0;

  constructor(
    private readonly nowIso: () => string,
    private readonly identity: { identityId: number; userId: number },
    private readonly businessIdOf: (accountId: string) => number | undefined,
  ) {}

  register(accountId: string, event: string, uri: string): CallbackRec {
    const rec: CallbackRec = {
      callbackid: this.nextId++,
      accountId,
      event,
      uri,
      verified: false,
      verifier: randomBytes(16).toString('hex'),
      updated_at: this.nowIso(),
    };
    this.callbacks.set(rec.callbackid, rec);
    void this.sendVerification(rec);
    return rec;
  }

  /** PUT …/callbacks/{id}: `{verifier}` verifies, `{resend:true}` re-sends the verifier. */
  update(rec: CallbackRec, body: Record<string, unknown>): 'ok' | 'bad_verifier' {
    if (body.resend === true) {
      void this.sendVerification(rec);
      return 'ok';
    }
    if (typeof body.verifier === 'string') {
      if (body.verifier !== rec.verifier) return 'bad_verifier';
      rec.verified = true;
      rec.updated_at = this.nowIso();
      return 'ok';
    }
    if (typeof body.uri === 'string') {
      rec.uri = body.uri;
      rec.verified = false;
      rec.updated_at = this.nowIso();
      void this.sendVerification(rec);
    }
    return 'ok';
  }

  /** The next `count` record-change deliveries are recorded but never sent (verifications still are). */
  dropDeliveries(count: number): void {
    this.toDrop += count;
  }

  publicView(rec: CallbackRec): Record<string, unknown> {
    return { callbackid: rec.callbackid, event: rec.event, uri: rec.uri, verified: rec.verified, updated_at: rec.updated_at };
  }

  /** Deliver a record change to every verified callback that subscribed to it. */
  onChange(change: SandboxChange, noun: string | undefined): void {
    if (!noun) return;
    const name = `${noun}.${change.action}`;
    for (const rec of this.callbacks.values()) {
      if (!rec.verified || rec.accountId !== change.accountId) continue;
      if (rec.event !== name && rec.event !== noun) continue;
      const form = this.baseForm(name, change.id, change.accountId);
      if (this.toDrop > 0) {
        this.toDrop -= 1;
        this.deliveries.push({ callbackid: rec.callbackid, uri: rec.uri, name, form: form.toString(), signature: sign(rec.verifier, form), status: 'dropped' });
        continue;
      }
      void this.post(rec, name, form, sign(rec.verifier, form));
    }
  }

  private baseForm(name: string, objectId: number, accountId: string): URLSearchParams {
    return new URLSearchParams([
      ['name', name],
      ['object_id', String(objectId)],
      ['account_id', accountId],
      ['business_id', String(this.businessIdOf(accountId) ?? '')],
      ['identity_id', String(this.identity.identityId)],
      ['user_id', String(this.identity.userId)],
    ]);
  }

  private sendVerification(rec: CallbackRec): Promise<void> {
    const form = this.baseForm('callback.verify', rec.callbackid, rec.accountId);
    form.append('verifier', rec.verifier);
    return this.post(rec, 'callback.verify', form, sign(rec.verifier, form));
  }

  private async post(rec: CallbackRec, name: string, form: URLSearchParams, signature: string): Promise<void> {
    const body = form.toString();
    const record: DeliveryRecord = { callbackid: rec.callbackid, uri: rec.uri, name, form: body, signature, status: 'error' };
    this.deliveries.push(record);
    if (this.deliveries.length > 500) this.deliveries.shift();
    try {
      const res = await fetch(rec.uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-freshbooks-hmac-sha256': signature },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      record.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      record.status = 'error';
    }
  }
}
