/**
 * Everything the Tableau sandbox remembers: sites, projects, personal access tokens and their (single) sessions,
 * published data sources (each a .hyper file on disk), upload sessions, jobs, RequestIDs, queued faults and
 * counters. Routes are thin functions over this object so tests can inspect and steer it directly.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FaultQueue } from '../kit/faults';

export type FaultScope = 'signin' | 'api' | 'upload' | 'publish' | 'patch' | 'job-get';

export interface FaultSpec {
  /** 'api' matches every authenticated route (uploads, publish, PATCH and job polls included); 'signin' the sign-in. */
  scope: FaultScope;
  /** 401 answers 401002 and ends the caller's session; 404 answers 404000 (site not found); 429 and 5xx as given. */
  status: number;
  /** Sent as Retry-After on 429/503 when given. */
  retryAfterSec?: number;
  /**
   * 'before' (default): the request is refused untouched. 'after' (PATCH and publish only): the request is done,
   * then the reply is lost to the fault — a client must retry with the same RequestID.
   */
  phase?: 'before' | 'after';
  count: number;
}

export interface Site {
  id: string;
  name: string;
  contentUrl: string;
}

export interface Project {
  id: string;
  siteId: string;
  name: string;
  description: string;
  parentProjectId?: string;
}

export interface Pat {
  name: string;
  secret: string;
  siteId: string;
  userId: string;
  revoked: boolean;
}

export interface Session {
  token: string;
  patName: string;
  siteId: string;
  userId: string;
  createdAtMs: number;
}

export interface DataSource {
  id: string;
  siteId: string;
  projectId: string;
  ownerId: string;
  name: string;
  contentUrl: string;
  file: string;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface UploadSession {
  id: string;
  siteId: string;
  file: string;
  bytes: number;
  chunks: number;
  /** Set once a publish or an accepted Update Data used it. */
  committed: boolean;
}

export type JobType = 'UpdateUploadedFile' | 'PublishDatasource';

export interface Job {
  id: string;
  siteId: string;
  type: JobType;
  datasourceId: string;
  requestId?: string;
  createdAtMs: number;
  startedAtMs?: number;
  completedAtMs?: number;
  progress: number;
  /** Only meaningful once completedAtMs is set: 0 success, 1 failed, 2 cancelled. */
  finishCode?: 0 | 1 | 2;
  notes: string[];
  /** Per action: what it touched (jobs that succeeded). */
  results?: { action: string; target: string; rows: number }[];
}

export interface RequestIdRecord {
  jobId: string;
  /** How many requests carried it. */
  received: number;
  /** How many times its actions were committed to the data source (1 at most if idempotency holds). */
  applied: number;
}

export interface TableauSandboxStats {
  signIns: number;
  signInFailures: number;
  signOuts: number;
  /** Sessions ended because the same PAT signed in again (one session per PAT). */
  sessionsKilled: number;
  /** Requests refused with 401002 (stale or killed token). */
  invalidTokenRequests: number;
  uploadSessions: number;
  uploadChunks: number;
  publishes: number;
  patches: number;
  jobsCreated: number;
  jobsSucceeded: number;
  jobsFailed: number;
  jobsCancelled: number;
  faultsInjected: number;
  signInsByPat: Record<string, number>;
}

export class TableauSandboxState {
  readonly sites = new Map<string, Site>();
  readonly projects = new Map<string, Project>();
  readonly pats = new Map<string, Pat>();
  /** token → session. */
  readonly sessions = new Map<string, Session>();
  readonly datasources = new Map<string, DataSource>();
  readonly uploads = new Map<string, UploadSession>();
  readonly jobs = new Map<string, Job>();
  /** RequestID → record. */
  readonly requestIds = new Map<string, RequestIdRecord>();
  readonly faults = new FaultQueue<FaultSpec>();
  /** Jobs that will finish with finishCode 1 (notes as given) instead of running. */
  readonly failingJobs: { notes: string }[] = [];
  readonly stats: TableauSandboxStats = {
    signIns: 0,
    signInFailures: 0,
    signOuts: 0,
    sessionsKilled: 0,
    invalidTokenRequests: 0,
    uploadSessions: 0,
    uploadChunks: 0,
    publishes: 0,
    patches: 0,
    jobsCreated: 0,
    jobsSucceeded: 0,
    jobsFailed: 0,
    jobsCancelled: 0,
    faultsInjected: 0,
    signInsByPat: {},
  };
  private clockOffsetMs = 0;
  private uploadSeq = 7720;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly clock: () => number,
    readonly dataDir: string,
    /** Newest REST API version the server claims; paths with a higher one are refused. */
    public restApiVersion: string,
    public productVersion: string,
    /** Idle session lifetime (Server default 240 min). */
    public sessionTtlMs: number,
    /** How long a job stays queued before it runs (real Update Data jobs take seconds). */
    public jobDurationMs: number,
  ) {}

  now(): number {
    return this.clock() + this.clockOffsetMs;
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  addSite(contentUrl: string, name = contentUrl || 'Default'): Site {
    const existing = this.siteByContentUrl(contentUrl);
    if (existing) return existing;
    const site: Site = { id: randomUUID(), name, contentUrl };
    this.sites.set(site.id, site);
    return site;
  }

  siteByContentUrl(contentUrl: string): Site | undefined {
    return [...this.sites.values()].find((s) => s.contentUrl === contentUrl);
  }

  addProject(siteId: string, name: string, description = ''): Project {
    const existing = [...this.projects.values()].find((p) => p.siteId === siteId && p.name === name);
    if (existing) return existing;
    const project: Project = { id: randomUUID(), siteId, name, description };
    this.projects.set(project.id, project);
    return project;
  }

  /** A PAT on the site with that contentUrl (the site is created if missing). */
  addPat(name: string, secret: string, siteContentUrl = ''): Pat {
    const site = this.addSite(siteContentUrl);
    const pat: Pat = { name, secret, siteId: site.id, userId: this.pats.get(name)?.userId ?? randomUUID(), revoked: false };
    this.pats.set(name, pat);
    return pat;
  }

  /** The PAT stops signing in (401001) and its session ends, as when a user revokes it or it expires. */
  revokePat(name: string): void {
    const pat = this.pats.get(name);
    if (!pat) return;
    pat.revoked = true;
    for (const [token, s] of this.sessions) if (s.patName === name) this.sessions.delete(token);
  }

  signIn(pat: Pat): Session {
    for (const [token, s] of this.sessions) {
      if (s.patName === pat.name) {
        this.sessions.delete(token);
        this.stats.sessionsKilled++;
      }
    }
    const session: Session = { token: `${randomBytes(16).toString('base64url')}|${randomBytes(16).toString('hex')}|${pat.siteId}`, patName: pat.name, siteId: pat.siteId, userId: pat.userId, createdAtMs: this.now() };
    this.sessions.set(session.token, session);
    this.stats.signIns++;
    this.stats.signInsByPat[pat.name] = (this.stats.signInsByPat[pat.name] ?? 0) + 1;
    return session;
  }

  /** The live session for a token; expired sessions are dropped. */
  session(token: string): Session | undefined {
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (this.now() - s.createdAtMs >= this.sessionTtlMs) {
      this.sessions.delete(token);
      return undefined;
    }
    return s;
  }

  newUploadSession(siteId: string, file: string): UploadSession {
    // Real ids look like "7720:170fe6b1c8f04f0b8d3b5f2cbeafbd2e-1:0": the colons must be URL-encoded by clients.
    const id = `${this.uploadSeq++}:${randomBytes(16).toString('hex')}-1:0`;
    const u: UploadSession = { id, siteId, file, bytes: 0, chunks: 0, committed: false };
    this.uploads.set(id, u);
    this.stats.uploadSessions++;
    return u;
  }

  newJob(siteId: string, type: JobType, datasourceId: string, requestId?: string): Job {
    const job: Job = { id: randomUUID(), siteId, type, datasourceId, ...(requestId !== undefined ? { requestId } : {}), createdAtMs: this.now(), progress: 0, notes: [] };
    this.jobs.set(job.id, job);
    this.stats.jobsCreated++;
    return job;
  }

  finishJob(job: Job, finishCode: 0 | 1 | 2, notes: string[] = []): void {
    if (job.completedAtMs !== undefined) return;
    job.startedAtMs ??= this.now();
    job.completedAtMs = this.now();
    job.progress = 100;
    job.finishCode = finishCode;
    job.notes = notes;
    if (finishCode === 0) this.stats.jobsSucceeded++;
    else if (finishCode === 1) this.stats.jobsFailed++;
    else this.stats.jobsCancelled++;
    const waiters = this.jobWaiters.get(job.id) ?? [];
    this.jobWaiters.delete(job.id);
    for (const w of waiters) w(job);
  }

  /** Cancels a job that has not finished (finishCode 2); false if it already finished. */
  cancelJob(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.completedAtMs !== undefined) return false;
    this.finishJob(job, 2, ['The job was cancelled.']);
    return true;
  }

  /** The next `count` Update Data jobs finish with finishCode 1 and these notes, changing nothing. */
  failNextJobs(count: number, notes = 'Sandbox injected job failure'): void {
    for (let i = 0; i < count; i++) this.failingJobs.push({ notes });
  }

  addFaults(...faults: FaultSpec[]): void {
    this.faults.add(...faults);
  }

  takeFault(scopes: FaultScope[], phase: 'before' | 'after'): FaultSpec | undefined {
    const f = this.faults.take((q) => scopes.includes(q.scope) && (q.phase ?? 'before') === phase);
    if (f) this.stats.faultsInjected++;
    return f;
  }

  datasourceByName(siteId: string, name: string, projectId?: string): DataSource | undefined {
    return [...this.datasources.values()].find((d) => d.siteId === siteId && d.name === name && (projectId === undefined || d.projectId === projectId));
  }

  /** Work on one data source's file, one at a time (publish, Update Data, read-back). */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  private readonly jobWaiters = new Map<string, Array<(job: Job) => void>>();

  /** Resolves when the job has finished (at once if it has); tests wait on this instead of on time. */
  waitForJob(jobId: string): Promise<Job> {
    const job = this.jobs.get(jobId);
    if (!job) return Promise.reject(new Error(`no job ${jobId}`));
    if (job.completedAtMs !== undefined) return Promise.resolve(job);
    return new Promise((done) => this.jobWaiters.set(jobId, [...(this.jobWaiters.get(jobId) ?? []), done]));
  }

  requestIdStats(): Record<string, { jobId: string; received: number; applied: number }> {
    return Object.fromEntries([...this.requestIds].map(([k, v]) => [k, { ...v }]));
  }
}
