import type { Response } from 'express';
import { render } from './render';

/**
 * Where a browser lands after FreshBooks' OAuth redirect: a page of ours that sends it on to the
 * console. A navigation that began at FreshBooks carries no SameSite=Strict cookie; one that starts
 * from this page does, so the console page it opens sees the session.
 */
export function consoleOAuthLanding(res: Response, result: { authorizationId: string; reauthorized: string[] }): void {
  const next = result.reauthorized.length > 0 ? '/console/connections' : `/console/connect/authorizations/${result.authorizationId}`;
  res.set({ refresh: `0; url=${next}`, 'cache-control': 'no-store', 'referrer-policy': 'same-origin', 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" });
  render(res, 'oauth-landing', { title: 'FreshBooks authorized', heading: result.reauthorized.length > 0 ? 'FreshBooks authorized again; syncing resumes.' : 'FreshBooks authorized.', next });
}
