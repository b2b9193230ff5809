import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exit-codes';

export interface CliTarget {
  url: string;
  token: string;
}

export interface TargetSources {
  /** `--url`, which beats everything else. */
  urlFlag?: string;
  /** `--config PATH`; without it the default file is read if it exists. */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  home?: string;
}

/** The API's own default port (common/config.ts PORT), so a local `npm run api` needs no setup. */
const DEFAULT_URL = 'http://127.0.0.1:8080';

export const defaultConfigPath = (home = homedir()) => join(home, '.config', 'ml-connector', 'config.json');

interface FileConfig { url?: string; token?: string }

/**
 * Where the API is and the admin token: flags, then the environment, then the config file. The token
 * has no flag on purpose: a command line is visible to every user of the machine (`ps`).
 * `ADMIN_TOKEN` is the API's own variable, so a shell set up to run the API drives the CLI as is.
 */
export function resolveTarget(s: TargetSources): CliTarget {
  const file = readConfigFile(s.configPath, s.home);
  const url = s.urlFlag ?? nonEmpty(s.env.ML_CONNECTOR_URL) ?? file.url ?? DEFAULT_URL;
  const token = nonEmpty(s.env.ML_CONNECTOR_TOKEN) ?? nonEmpty(s.env.ADMIN_TOKEN) ?? file.token;
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`the API URL must be http(s)://host[:port], got "${url}"`);
  if (!token) {
    throw new UsageError(`no admin token: set ML_CONNECTOR_TOKEN (or ADMIN_TOKEN), or put "token" in ${s.configPath ?? defaultConfigPath(s.home)}`);
  }
  return { url: url.replace(/\/+$/, ''), token };
}

function readConfigFile(explicit: string | undefined, home: string | undefined): FileConfig {
  const path = explicit ?? defaultConfigPath(home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // Only a file the user named must exist.
    if (explicit === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read the config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it can quote the file, and the file holds the token.
    throw new UsageError(`the config file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`the config file ${path} must hold a JSON object {"url": …, "token": …}`);
  const { url, token } = parsed as Record<string, unknown>;
  if ((url !== undefined && typeof url !== 'string') || (token !== undefined && typeof token !== 'string')) {
    throw new UsageError(`in the config file ${path}, "url" and "token" must be strings`);
  }
  return { ...(url ? { url } : {}), ...(token ? { token } : {}) };
}

const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
