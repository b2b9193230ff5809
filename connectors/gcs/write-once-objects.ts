import { createHash } from 'node:crypto';
import { Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
import { bearerAuthClient } from '../google/auth-bridge';
import type { AccessTokenSource } from '../google/token-provider';

export const GCS_PRODUCTION_ENDPOINT = 'https://storage.googleapis.com';
/** Objects are created and read, never listed across buckets or given ACLs. */
export const GCS_READ_WRITE_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

export interface WriteOnceObjectsOptions {
  bucket: string;
  projectId: string;
  tokens: AccessTokenSource;
  apiEndpoint?: string;
  requestTimeoutMs?: number;
}

/**
 * A Cloud Storage bucket where an object, once written, is never replaced: every upload is conditional on
 * no live object having the name (`ifGenerationMatch=0`). A retried upload whose first attempt landed gets
 * 412 and is checked against what is there by MD5, so the same body counts as written and a different one
 * is an error instead of a silent overwrite.
 */
export class WriteOnceObjects {
  private readonly bucket: Bucket;

  constructor(private readonly o: WriteOnceObjectsOptions) {
    const apiEndpoint = (o.apiEndpoint ?? GCS_PRODUCTION_ENDPOINT).replace(/\/+$/, '');
    const storage = new Storage({
      projectId: o.projectId,
      apiEndpoint,
      authClient: bearerAuthClient<NonNullable<StorageOptions['authClient']>>(o.tokens, o.projectId),
      // Without this the library sends no credentials to any endpoint but Google's own: a proxy would get anonymous requests.
      useAuthWithCustomEndpoint: true,
      // A conditional create is idempotent, so the library's retries (429, 5xx, resets, with backoff) are safe.
      retryOptions: { autoRetry: true, maxRetries: 3 },
      ...(o.requestTimeoutMs ? { timeout: o.requestTimeoutMs } : {}),
    });
    // The library prefers STORAGE_EMULATOR_HOST over an explicit apiEndpoint for its JSON API base, as the
    // BigQuery one does with its emulator variable: our configuration alone decides where requests go.
    storage.baseUrl = `${apiEndpoint}/storage/v1`;
    this.bucket = storage.bucket(o.bucket);
  }

  /** Writes `body` under `name` unless that exact body is already there; answers the object's gs:// URL. */
  async putOnce(name: string, body: string, contentType: string): Promise<string> {
    const file = this.bucket.file(name);
    try {
      await file.save(body, { resumable: false, contentType, validation: 'md5', preconditionOpts: { ifGenerationMatch: 0 } });
    } catch (err) {
      if (statusOf(err) !== 412) throw new GcsError(`upload of gs://${this.o.bucket}/${name}`, err);
      const [meta] = await file.getMetadata().catch((e: unknown) => { throw new GcsError(`metadata of gs://${this.o.bucket}/${name}`, e); });
      if (meta.md5Hash !== md5Base64(body)) throw new Error(`gs://${this.o.bucket}/${name} already holds a different object; it is left as it is`);
    }
    return `gs://${this.o.bucket}/${name}`;
  }

  /** The object's text, or null if there is none. */
  async get(name: string): Promise<string | null> {
    try {
      const [data] = await this.bucket.file(name).download();
      return data.toString('utf8');
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw new GcsError(`download of gs://${this.o.bucket}/${name}`, err);
    }
  }

  /** Names under a prefix, in the bucket's (lexicographic) order. */
  async names(prefix: string): Promise<string[]> {
    try {
      const [files] = await this.bucket.getFiles({ prefix, autoPaginate: true });
      return files.map((f) => f.name);
    } catch (err) {
      throw new GcsError(`listing gs://${this.o.bucket}/${prefix}`, err);
    }
  }
}

/** A Cloud Storage call that failed: its status and Google's message, never the request's headers (the token). */
export class GcsError extends Error {
  override readonly name = 'GcsError';
  readonly status: number | undefined;
  constructor(what: string, cause: unknown) {
    const status = statusOf(cause);
    super(`${what} failed${status ? ` (${status})` : ''}: ${cause instanceof Error ? cause.message.slice(0, 300) : String(cause).slice(0, 300)}`);
    this.status = status;
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function md5Base64(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('base64');
}
