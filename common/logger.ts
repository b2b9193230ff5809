import pino, { type Logger } from 'pino';

/**
 * Secrets must never reach logs. Redaction is a backstop: the code passes ids, not secrets, to the
 * logger, and these paths catch a secret that slips into a logged object anyway.
 */
const REDACT = [
  '*.access_token', '*.refresh_token', '*.accessToken', '*.refreshToken', '*.client_secret', '*.clientSecret',
  '*.private_key', '*.privateKey', '*.password', '*.token', '*.code', '*.verifier', '*.authorization',
  'req.headers.authorization', 'req.headers["x-admin-token"]', 'headers.authorization',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', name = 'ml-connector'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

export type { Logger };
