/**
 * Tableau's upload and publish bodies: `multipart/mixed` (not form-data — destinations.md C3, C8 (3)),
 * each part with a form-data Content-Disposition, as TSC's RequestFactory writes them.
 */
import { randomBytes } from 'node:crypto';

export interface MixedPart {
  name: string;
  filename?: string;
  contentType: string;
  body: Buffer | string;
}

export function multipartMixed(parts: MixedPart[]): { contentType: string; body: Buffer } {
  const boundary = randomBytes(16).toString('hex');
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const filename = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${filename}\r\nContent-Type: ${p.contentType}\r\n\r\n`));
    chunks.push(typeof p.body === 'string' ? Buffer.from(p.body) : p.body);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** XML attribute text. */
export function xmlAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
