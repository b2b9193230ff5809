import type { AppConfig } from '../../common/config';
import type { Logger } from '../../common/logger';
import type { ConnectionActivity } from '../../db/connection-activity';
import type { ConnectionListStates } from '../../db/connection-list-states';
import type { AuthorizationService } from '../../services/authorizations';
import type { ConnectionService } from '../../services/connections';
import type { StoreOrders } from '../../services/store-orders';
import type { Workflows } from '../../temporal/workflow-starts';
import type { ReconciliationReports } from './reports';

/** What the console's pages call: the services the JSON API calls, plus read models of their own. */
export interface ConsoleDeps {
  config: AppConfig;
  service: ConnectionService;
  orders: StoreOrders;
  authorizations: AuthorizationService;
  activity: ConnectionActivity;
  /** What each workflow last wrote for the list (phase, next poll, webhook error). */
  listStates: ConnectionListStates;
  /** A connection's page asks its workflow, as GET /api/connections/:id does; the list only for rows not yet written. */
  workflows: Workflows;
  reports: ReconciliationReports;
  logger: Logger;
}
