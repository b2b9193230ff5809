/**
 * One Tableau session per PAT (destinations.md C1, C8 (4)): signing in again with a PAT ends its earlier
 * session, so every call made with a PAT goes through one TableauSession per process, one at a time, and
 * — through a lease the caller provides (a Postgres row) — one process at a time. When another process
 * signed in with the PAT since we did, our token is dead: we sign in before calling rather than after a
 * 401002. A 401002 anyway (the session expired) signs in again once and repeats the call once.
 */
import { createHash } from 'node:crypto';
import type { SignInResult, TableauAuth, TableauClient, TableauPat } from './client';
import { TableauSessionExpiredError } from './errors';

/** What the lease tells the session while it is held. */
export interface LeaseTurn {
  /** Another process signed in with this PAT after this one last did: its token killed ours. */
  signedInElsewhere: boolean;
  /** Records that this process has just signed in (so the others know their tokens are dead). */
  noteSignIn(): Promise<void>;
}

/** Cross-process exclusion per PAT; absent in a single-process tool (the mutex below is enough there). */
export interface PatLease {
  hold<T>(patKey: string, fn: (turn: LeaseTurn) => Promise<T>): Promise<T>;
}

export interface TableauSessionOptions {
  client: TableauClient;
  pat: TableauPat;
  contentUrl: string;
  lease?: PatLease;
  /** Called after each sign-in (counts for tests and the audit). */
  onSignIn?: (r: SignInResult) => void;
}

/** A PAT's identity on a server: the lease key (no secret in it). */
export function patKeyOf(origin: string, contentUrl: string, patName: string): string {
  return createHash('sha256').update(`${origin}\n${contentUrl}\n${patName}`).digest('hex').slice(0, 32);
}

export class TableauSession {
  readonly key: string;
  private auth: SignInResult | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TableauSessionOptions) {
    this.key = patKeyOf(o.client.origin, o.contentUrl, o.pat.name);
  }

  get client(): TableauClient {
    return this.o.client;
  }

  /** The site LUID of the last sign-in (after a first run). */
  get siteId(): string | undefined {
    return this.auth?.siteId;
  }

  /**
   * Runs `fn` with a live token, alone among this PAT's users. `fn` may make several calls; a 401002
   * from any of them signs in again and runs `fn` once more, so `fn` must be safe to repeat.
   */
  run<T>(fn: (auth: TableauAuth) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.turn(fn));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Ends the session (a worker shutting down, or a PAT being replaced). */
  async close(): Promise<void> {
    await this.run(async () => undefined).catch(() => undefined);
    const auth = this.auth;
    this.auth = undefined;
    if (auth) await this.o.client.signOut(auth.token);
  }

  private async turn<T>(fn: (auth: TableauAuth) => Promise<T>): Promise<T> {
    const inner = async (turn?: LeaseTurn): Promise<T> => {
      if (turn?.signedInElsewhere) this.auth = undefined;
      const auth = this.auth ?? (await this.signIn(turn));
      try {
        return await fn(auth);
      } catch (err) {
        if (!(err instanceof TableauSessionExpiredError)) throw err;
        return fn(await this.signIn(turn));
      }
    };
    return this.o.lease ? this.o.lease.hold(this.key, inner) : inner();
  }

  private async signIn(turn?: LeaseTurn): Promise<SignInResult> {
    this.auth = undefined;
    const r = await this.o.client.signIn(this.o.pat, this.o.contentUrl);
    this.auth = r;
    await turn?.noteSignIn();
    this.o.onSignIn?.(r);
    return r;
  }
}
