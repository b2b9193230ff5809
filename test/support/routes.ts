import type { Express } from 'express';

export interface Route { method: string; path: string }

/** Routes as the app's router holds them: mount paths joined to route paths, one entry per method. */
export function routesOf(app: Express): Route[] {
  const found: Route[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of [layer.route.path].flat()) {
          for (const m of Object.keys(layer.route.methods).filter((k) => k !== '_all')) found.push({ method: m.toUpperCase(), path: prefix + p });
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        for (const mount of [layer.rawPath ?? '/'].flat() as string[]) walk(layer.handle.stack, prefix + (mount === '/' ? '' : mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: unknown[] } }).router.stack, '');
  return found;
}
