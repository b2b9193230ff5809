import { orderWorkflowId } from '../contracts/ids';
import type { BigCommerceOrderStore } from '../db/bigcommerce-orders';
import type { Workflows } from '../temporal/workflow-starts';
import type { ConnectionService } from './connections';
import { HttpError } from './http-error';

type ListFilter = Parameters<BigCommerceOrderStore['list']>[1];

/**
 * A store connection's orders: where each stands in FreshBooks (invoice, payments, refunds, skips and
 * why), the steps that led there, and a retry for one that failed or needs another look.
 */
export class StoreOrders {
  constructor(private readonly connections: ConnectionService, private readonly workflows: Workflows, private readonly orders: BigCommerceOrderStore) {}

  /** `filter` is read once the connection is known to be a store. */
  async list(connectionId: string, filter: () => ListFilter) {
    const c = await this.connections.store(connectionId);
    const f = filter();
    const [rows, counts] = await Promise.all([this.orders.list(c.id, f), this.orders.counts(c.id)]);
    return { connectionId: c.id, counts, orders: rows.map(({ connectionId: _c, ...o }) => o) };
  }

  async get(connectionId: string, orderIdOf: () => number) {
    const c = await this.connections.store(connectionId);
    const orderId = orderIdOf();
    const workflowId = orderWorkflowId(c.destination.storeHash, orderId);
    const [row, events, workflow, retrying] = await Promise.all([
      this.orders.get(c.id, orderId), this.orders.events(c.id, orderId), this.workflows.orderStatus(c.destination.storeHash, orderId), this.workflows.retrying(workflowId),
    ]);
    if (!row && !workflow) throw new HttpError(404, `order ${orderId} has not been seen by this connection`);
    const { connectionId: _c, ...order } = row ?? { connectionId: c.id };
    // FreshBooks down: the step being retried and its last error, before the order's own state says anything.
    return { connectionId: c.id, orderId, workflowId, ...order, events, workflow, retrying };
  }

  /** Look at the order again from scratch: nothing remembered is trusted, every write is looked up first. */
  async retry(connectionId: string, orderIdOf: () => number): Promise<number> {
    const c = await this.connections.store(connectionId);
    const orderId = orderIdOf();
    await this.workflows.orderChanged({ connectionId: c.id, storeHash: c.destination.storeHash, orderId }, { reason: 'retry', at: new Date().toISOString() });
    return orderId;
  }
}
