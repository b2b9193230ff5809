/** Writing a Reply to express, and the replies injected faults produce on either endpoint. */
import type { Response } from 'express';
import { aadError, pbiError, type Reply } from './errors';
import type { FaultSpec } from './state';

export function send(res: Response, reply: Reply): void {
  res.status(reply.status);
  if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  // Power BI answers PostRows with 200 and no body at all; an empty JSON object would be a different reply.
  if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

const API_CODES: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function faultReply(fault: FaultSpec, endpoint: 'token' | 'api', now: number): Reply {
  const reply =
    endpoint === 'token'
      ? aadError(fault.status, fault.status === 429 || fault.status === 503 ? 'temporarily_unavailable' : 'server_error', undefined, 'Sandbox injected fault.', now)
      : pbiError(fault.status, API_CODES[fault.status] ?? 'SandboxInjectedFault', 'Sandbox injected fault');
  if ((fault.status === 429 || fault.status === 503) && fault.retryAfterSec !== undefined) {
    reply.headers = { ...reply.headers, 'retry-after': String(fault.retryAfterSec) };
  }
  return reply;
}
