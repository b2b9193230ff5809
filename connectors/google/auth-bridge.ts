/**
 * Adapts our AccessTokenSource to what @google-cloud/bigquery and @google-cloud/storage expect as
 * `authClient` (both build on @google-cloud/common's Service and google-auth-library).
 *
 * Why this shape: @google-cloud/common wraps any non-GoogleAuth `authClient` in
 * `new GoogleAuth({ authClient })`, whose getClient() returns the cached client as-is and whose
 * authorizeRequest() only calls `client.getRequestHeaders(url)`. Passing a client therefore means
 * Application Default Credentials are never looked up (no metadata server probe, no
 * GOOGLE_APPLICATION_CREDENTIALS read). We duck-type the few members used instead of
 * subclassing AuthClient because google-auth-library is only a transitive dependency; importing
 * it at runtime would tie us to whatever version npm happens to hoist.
 */
import type { BigQueryOptions } from '@google-cloud/bigquery';
import type { AccessTokenSource } from './token-provider';

/**
 * Each library types `authClient` as the AuthClient of its own copy of google-auth-library (their versions
 * differ), so the caller names the type it needs; the duck below is what all of them call.
 */
export function bearerAuthClient<Client = NonNullable<BigQueryOptions['authClient']>>(tokens: AccessTokenSource, projectId: string): Client {
  const client = {
    projectId,
    universeDomain: 'googleapis.com',
    credentials: {},
    async getRequestHeaders(): Promise<Headers> {
      return new Headers({ authorization: `Bearer ${await tokens.getAccessToken()}` });
    },
    async getAccessToken(): Promise<{ token: string }> {
      return { token: await tokens.getAccessToken() };
    },
    async getProjectId(): Promise<string> {
      return projectId;
    },
    async request(): Promise<never> {
      throw new Error('bearerAuthClient does not send requests itself; the Google client library does');
    },
    // google-auth-library registers listeners for token events; nothing to emit here.
    on() {
      return client;
    },
  };
  return client as unknown as Client;
}
