/**
 * Last line of defence for error text that came from a server: strip anything shaped like a
 * bearer token, OAuth access token or JWT before it can reach a log or a Temporal history.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]')
    .replace(/\bya29\.[\w.-]+/g, '[redacted-token]')
    .replace(/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[redacted-jwt]')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted-key]');
}
