import { generateLookml, type LookmlProject } from '../mapping/lookml';
import type { ConnectionService } from './connections';

export interface LookmlRequest {
  /** The Looker connection name the model's `connection:` names. */
  connection?: string;
}

/** What the Looker connection is called unless the request says: the name the README tells people to give it. */
export const DEFAULT_LOOKER_CONNECTION = 'freshbooks';
const MODEL = 'freshbooks';

/** Generated LookML for a warehouse connection: where its tables are, through the LookML generator. */
export class LookmlService {
  constructor(private readonly connections: Pick<ConnectionService, 'warehouse'>) {}

  /** `request` is read once the connection is known to be a warehouse, so an unknown id is a 404 whatever it asks. */
  async project(connectionId: string, request: () => LookmlRequest = () => ({})): Promise<LookmlProject> {
    const where = await this.connections.warehouse(connectionId);
    const req = request();
    return generateLookml(where, { connection: req.connection ?? DEFAULT_LOOKER_CONNECTION, model: MODEL });
  }
}
