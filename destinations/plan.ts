import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { DestinationType } from '../contracts/destination-kinds';
import { destinationModule, type DestinationConfig } from './registry';

/**
 * Which of a connection's entities travel as changes and which as whole-table snapshots, as the
 * destination's traits say (Power BI push tables cannot update a row, so its dimension tables are
 * replaced whole; everything else is a stream of versions).
 */
export function snapshotPlan(destinationType: DestinationType, entities: FreshBooksEntity[]): { changes: FreshBooksEntity[]; snapshots: FreshBooksEntity[] } {
  const snapshots = new Set<FreshBooksEntity>(destinationModule(destinationType).traits.snapshotEntities);
  return { changes: entities.filter((e) => !snapshots.has(e)), snapshots: entities.filter((e) => snapshots.has(e)) };
}

/**
 * How long a connection's webhook changes gather before delivery: its own setting, else its destination's
 * default (0 for destinations that take changes one by one as cheaply as in bulk).
 */
/** Whether the destination wants `finishFullRun` after each complete full run. */
export function finishesFullRun(destinationType: DestinationType): boolean {
  return destinationModule(destinationType).traits.finishesFullRun === true;
}

export function deliveryWindowMs(destinationType: DestinationType, settings: { deliveryWindowMs?: number }): number {
  return settings.deliveryWindowMs ?? destinationModule(destinationType).traits.deliveryWindowMs ?? 0;
}

/**
 * Whether a connection announces committed deliveries, and at most how often: asked of its
 * destination's after-delivery hook, so the workflow never names whom it tells.
 */
export function announcePlan(config: DestinationConfig): { windowSec: number } | undefined {
  const hook = destinationModule(config.type).afterDelivery as { windowSec(c: DestinationConfig): number | undefined } | undefined;
  const windowSec = hook?.windowSec(config);
  return windowSec === undefined ? undefined : { windowSec };
}
