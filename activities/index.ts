import type { ActivityDeps } from './deps';
import { freshbooksGrantActivities } from './freshbooks-grant';
import { syncActivities } from './sync';

export function createActivities(deps: ActivityDeps) {
  return { ...freshbooksGrantActivities(deps), ...syncActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
