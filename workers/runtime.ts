import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * The Temporal runtime's logger, installed once per process before any worker or native connection.
 * The SDK's INFO lines (webpack output, worker state changes) are noise next to the service's logs.
 */
export function installWorkerRuntime(logLevel = 'warn'): void {
  if (installed) return;
  installed = true;
  const level = logLevel === 'debug' || logLevel === 'trace' ? 'DEBUG' : logLevel === 'info' ? 'INFO' : logLevel === 'warn' ? 'WARN' : 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level) });
}
