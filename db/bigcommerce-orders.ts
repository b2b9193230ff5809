import type { OrderEvent, OrderOutcome, OrderPayment, OrderRefund, OrderState } from '../contracts/order';
import type { Db } from './pool';
import { inTransaction } from './transaction';

// What an order workflow returns and the sweep records is a contract (contracts/order.ts); kept reachable from here too.
export type { OrderEvent, OrderOutcome, OrderPayment, OrderRefund, OrderState } from '../contracts/order';

export interface OrderRow extends OrderOutcome {
  connectionId: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  connection_id: string;
  order_id: string;
  state: OrderState;
  reason: string | null;
  status_id: number | null;
  invoice_id: string | null;
  client_id: string | null;
  invoice_number: string | null;
  invoice_status: string | null;
  total: string | null;
  currency: string | null;
  payments: OrderPayment[];
  refunds: OrderRefund[];
  flags: string[];
  error: string | null;
  passes: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'connection_id, order_id, state, reason, status_id, invoice_id, client_id, invoice_number, invoice_status, total, currency, payments, refunds, flags, error, passes, created_at, updated_at';

function toRow(r: Row): OrderRow {
  const opt = <K extends string, V>(k: K, v: V | null) => (v === null ? {} : { [k]: v }) as Partial<Record<K, V>>;
  return {
    connectionId: r.connection_id, orderId: Number(r.order_id), state: r.state,
    ...opt('reason', r.reason), ...opt('statusId', r.status_id),
    ...opt('invoiceId', r.invoice_id === null ? null : Number(r.invoice_id)),
    ...opt('clientId', r.client_id === null ? null : Number(r.client_id)),
    ...opt('invoiceNumber', r.invoice_number), ...opt('invoiceStatus', r.invoice_status),
    ...opt('total', r.total), ...opt('currency', r.currency),
    payments: r.payments, refunds: r.refunds, flags: r.flags, ...opt('error', r.error), passes: r.passes,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}

/** A saved row as an outcome a new pass can start from. */
export function asOutcome(row: OrderRow): OrderOutcome {
  const { connectionId: _c, createdAt: _a, updatedAt: _u, ...outcome } = row;
  return { ...outcome, passes: 0 };
}

/** Order outcomes and their step-by-step events, written by the order workflow and the store sweep. */
export class BigCommerceOrderStore {
  constructor(private readonly db: Db) {}

  /**
   * The order's current outcome and the events that led to it: one statement, so both or neither. With
   * `releasing`, the same statement lets go of that holder's lease on the order (db/order-leases.ts), so
   * the next holder's look-ups start from this outcome.
   */
  async save(connectionId: string, o: OrderOutcome, events: OrderEvent[], releasing?: { storeHash: string; holder: string }): Promise<void> {
    await this.db.query(
      `WITH released AS (
         DELETE FROM bigcommerce_order_leases WHERE $18::text IS NOT NULL AND store_hash = $19 AND order_id = $2 AND holder = $18),
       saved AS (
         INSERT INTO bigcommerce_orders (connection_id, order_id, state, reason, status_id, invoice_id, invoice_number, invoice_status, total, currency, payments, refunds, flags, error, passes, client_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (connection_id, order_id) DO UPDATE SET
           state = EXCLUDED.state, reason = EXCLUDED.reason, status_id = EXCLUDED.status_id, invoice_id = EXCLUDED.invoice_id, client_id = EXCLUDED.client_id,
           invoice_number = EXCLUDED.invoice_number, invoice_status = EXCLUDED.invoice_status, total = EXCLUDED.total,
           currency = EXCLUDED.currency, payments = EXCLUDED.payments, refunds = EXCLUDED.refunds, flags = EXCLUDED.flags,
           error = EXCLUDED.error, passes = bigcommerce_orders.passes + EXCLUDED.passes, updated_at = now()
         RETURNING 1)
       INSERT INTO bigcommerce_order_events (connection_id, order_id, kind, detail)
       SELECT $1, $2, e.value->>'kind', COALESCE(e.value->'detail', '{}'::jsonb)
         FROM jsonb_array_elements($17::jsonb) WITH ORDINALITY AS e(value, n) ORDER BY e.n`,
      [connectionId, o.orderId, o.state, o.reason ?? null, o.statusId ?? null, o.invoiceId ?? null, o.invoiceNumber ?? null,
        o.invoiceStatus ?? null, o.total ?? null, o.currency ?? null, JSON.stringify(o.payments), JSON.stringify(o.refunds),
        JSON.stringify(o.flags), o.error ?? null, o.passes, o.clientId ?? null, JSON.stringify(events), releasing?.holder ?? null,
        releasing?.storeHash ?? null],
    );
  }

  /** Where these orders stood when last saved, as outcomes a pass can resume from (passes counted afresh). */
  async outcomes(connectionId: string, orderIds: number[]): Promise<Map<number, OrderOutcome>> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM bigcommerce_orders WHERE connection_id = $1 AND order_id = ANY($2::bigint[])`, [connectionId, orderIds]);
    return new Map(rows.map((r) => [Number(r.order_id), asOutcome(toRow(r))]));
  }

  async get(connectionId: string, orderId: number): Promise<OrderRow | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM bigcommerce_orders WHERE connection_id = $1 AND order_id = $2`, [connectionId, orderId]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async events(connectionId: string, orderId: number): Promise<(OrderEvent & { at: string })[]> {
    const { rows } = await this.db.query<{ kind: string; detail: Record<string, unknown>; at: Date }>(
      'SELECT kind, detail, at FROM bigcommerce_order_events WHERE connection_id = $1 AND order_id = $2 ORDER BY id', [connectionId, orderId]);
    return rows.map((r) => ({ kind: r.kind, detail: r.detail, at: r.at.toISOString() }));
  }

  async list(connectionId: string, q: { state?: OrderState; limit?: number; afterOrderId?: number } = {}): Promise<OrderRow[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM bigcommerce_orders
        WHERE connection_id = $1 AND ($2::text IS NULL OR state = $2) AND order_id > $3
        ORDER BY order_id LIMIT $4`,
      [connectionId, q.state ?? null, q.afterOrderId ?? 0, Math.min(q.limit ?? 100, 1000)],
    );
    return rows.map(toRow);
  }

  async counts(connectionId: string): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ state: string; n: string }>(
      'SELECT state, count(*) AS n FROM bigcommerce_orders WHERE connection_id = $1 GROUP BY state', [connectionId]);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}

/** Store customer / catalogue entry → FreshBooks client / item, per connection. */
export class BigCommerceRecordMap {
  constructor(private readonly db: Db) {}

  async get(connectionId: string, kind: 'client' | 'item', storeKey: string): Promise<number | null> {
    const { rows } = await this.db.query<{ freshbooks_id: string }>(
      'SELECT freshbooks_id FROM bigcommerce_record_map WHERE connection_id = $1 AND kind = $2 AND store_key = $3', [connectionId, kind, storeKey]);
    return rows[0] ? Number(rows[0].freshbooks_id) : null;
  }

  /**
   * The mapped FreshBooks id, or the one `find` or `create` gives, remembered. Serialized per key across
   * workers (an advisory lock for the transaction), so two orders of one new customer create one client;
   * a create whose mapping was lost to a crash is found again by `find` (email, SKU, name).
   */
  async matchOrCreate(connectionId: string, kind: 'client' | 'item', storeKey: string, find: () => Promise<number | null>, create: () => Promise<number>): Promise<{ id: number; how: 'mapped' | 'found' | 'created' }> {
    const mapped = await this.get(connectionId, kind, storeKey);
    if (mapped !== null) return { id: mapped, how: 'mapped' };
    return inTransaction(this.db, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${connectionId}|${kind}|${storeKey}`]);
      const { rows } = await client.query<{ freshbooks_id: string }>(
        'SELECT freshbooks_id FROM bigcommerce_record_map WHERE connection_id = $1 AND kind = $2 AND store_key = $3', [connectionId, kind, storeKey]);
      if (rows[0]) return { id: Number(rows[0].freshbooks_id), how: 'mapped' as const };
      const found = await find();
      const out = found !== null ? { id: found, how: 'found' as const } : { id: await create(), how: 'created' as const };
      await client.query('INSERT INTO bigcommerce_record_map (connection_id, kind, store_key, freshbooks_id) VALUES ($1, $2, $3, $4)', [connectionId, kind, storeKey, out.id]);
      return out;
    });
  }
}
