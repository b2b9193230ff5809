import { join } from 'node:path';
import type { Response } from 'express';
import { Eta } from 'eta';

/** Templates under ./views, escaped by default (`<%= %>`); compiled once and cached. */
const eta = new Eta({ views: join(__dirname, 'views'), cache: true, autoEscape: true });

/** JSON safe inside a <script type="application/json"> element: no `</script>` can end it early. */
export const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

export function render(res: Response, view: string, data: Record<string, unknown>, status = 200): void {
  res.status(status).type('html').send(eta.render(view, { ...res.locals, ...data, scriptJson }));
}
