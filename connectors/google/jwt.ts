/** Minimal RS256 JWT signing/decoding with node:crypto (no JWT dependency needed for one algorithm). */
import { sign, type KeyObject } from 'node:crypto';

export interface JwtHeader {
  alg: 'RS256';
  typ: 'JWT';
  kid?: string;
}

export function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function signRs256Jwt(claims: Record<string, unknown>, key: KeyObject, kid?: string): string {
  const header: JwtHeader = kid ? { alg: 'RS256', typ: 'JWT', kid } : { alg: 'RS256', typ: 'JWT' };
  const signingInput = `${base64UrlJson(header)}.${base64UrlJson(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput, 'utf8'), key).toString('base64url');
  return `${signingInput}.${signature}`;
}
