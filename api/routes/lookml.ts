import { Router } from 'express';
import { z } from 'zod';
import { tarArchive } from '../../common/tar';
import type { LookmlService } from '../../services/lookml';
import { asyncRoute, parseBody } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { connectionIdParams } from './connections';

const lookmlQuery = z.object({
  format: z.enum(['json', 'tar']).default('json'),
  /** The name the Looker admin gave the database connection (Admin > Connections). */
  connection: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a Looker connection name: letters, digits, _ and -').optional(),
});

/** The folder the tar unpacks into: the model includes its views from its own folder. */
const FOLDER = 'freshbooks';

export const lookmlOperations = {
  project: defineOperation({
    access: 'admin', tag: 'looker', operationId: 'getLookml', method: 'get', path: '/api/connections/:id/lookml', params: connectionIdParams, query: lookmlQuery,
    summary: 'Generated LookML for a warehouse connection: JSON (file name -> text), or a tar to unpack into a Looker project',
    responses: {
      200: {
        description: 'the LookML project', schema: z.object({ connectionId: z.string(), explores: z.array(z.string()), datagroup: z.string(), files: z.record(z.string(), z.string()) }),
        alternatives: [{ mediaType: 'application/x-tar', schema: z.string().meta({ contentMediaType: 'application/x-tar' }) }],
      },
      ...errors(400, 401, 404),
    },
  }),
};

/** Generated LookML for a warehouse connection, as JSON (file name -> text) or a tar to unpack into a Looker project. */
export function lookmlRoutes(lookml: LookmlService): Router {
  const r = Router();

  r.get('/connections/:id/lookml', asyncRoute(async (req, res) => {
    const asked: { format: 'json' | 'tar' } = { format: 'json' };
    const project = await lookml.project(String(req.params.id), () => {
      const q = parseBody(lookmlQuery, req.query);
      asked.format = q.format;
      return q.connection ? { connection: q.connection } : {};
    });
    if (asked.format === 'tar') {
      const files = Object.fromEntries(Object.entries(project.files).map(([name, text]) => [`${FOLDER}/${name}`, text]));
      res.type('application/x-tar').attachment('freshbooks-lookml.tar').send(tarArchive(files, new Date()));
      return;
    }
    reply(res, lookmlOperations.project, 200, { connectionId: String(req.params.id), explores: project.explores, datagroup: project.datagroup, files: project.files });
  }));

  return r;
}
