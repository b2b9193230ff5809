import { randomBytes } from 'node:crypto';
import { generateKeySpec } from '../common/crypto';

/** Prints fresh secrets in .env form for a new deployment. */
process.stdout.write([
  `CREDENTIAL_KEYS=${generateKeySpec(`k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`)}`,
  `PAYLOAD_KEYS=${generateKeySpec(`p${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`)}`,
  `ADMIN_TOKEN=${randomBytes(32).toString('base64url')}`,
  `CODEC_TOKEN=${randomBytes(32).toString('base64url')}`,
].join('\n') + '\n');
