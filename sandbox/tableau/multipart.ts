/**
 * Tableau's `multipart/mixed` bodies (file upload chunks, publish), parsed as strictly as Tableau reads them:
 * the type must be multipart/mixed (Node's FormData makes multipart/form-data, which Tableau refuses), the
 * boundary must be a valid RFC 2046 boundary, lines end in CRLF, every part names itself in a
 * Content-Disposition header, and the body ends with the closing delimiter.
 */

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export type Parsed = { parts: Part[] } | { error: string; status: number };

const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

export function parseMultipartMixed(contentType: string | undefined, body: Buffer): Parsed {
  const ct = contentType ?? '';
  const type = ct.split(';')[0]!.trim().toLowerCase();
  if (type !== 'multipart/mixed') {
    return { status: 415, error: `Content-Type must be multipart/mixed (got '${type || 'none'}')` };
  }
  const bm = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  const boundary = bm ? (bm[1] ?? bm[2])! : undefined;
  if (!boundary || !BOUNDARY.test(boundary)) return { status: 400, error: 'multipart/mixed needs a boundary of 1 to 70 permitted characters' };
  const delimiter = Buffer.from(`--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) return { status: 400, error: 'the body must begin with the boundary delimiter' };
  const parts: Part[] = [];
  let pos = delimiter.length;
  const next = Buffer.from(`\r\n--${boundary}`);
  for (;;) {
    const after = body.subarray(pos, pos + 2).toString('latin1');
    if (after === '--') {
      const rest = body.subarray(pos + 2).toString('latin1');
      if (rest !== '' && rest !== '\r\n') return { status: 400, error: 'unexpected bytes after the closing delimiter' };
      break;
    }
    if (after !== '\r\n') return { status: 400, error: 'a boundary delimiter must be followed by CRLF' };
    pos += 2;
    const end = body.indexOf(next, pos);
    if (end === -1) return { status: 400, error: 'the body has no closing delimiter' };
    const part = parsePart(body.subarray(pos, end));
    if ('error' in part) return { status: 400, error: part.error };
    parts.push(part);
    pos = end + next.length;
  }
  if (parts.length === 0) return { status: 400, error: 'multipart body has no parts' };
  return { parts };
}

function parsePart(raw: Buffer): Part | { error: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headerText = split === -1 ? raw.toString('latin1') : raw.subarray(0, split).toString('latin1');
  if (split === -1) return { error: 'a part has no blank line (CRLF CRLF) after its headers' };
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    if (line.includes('\n')) return { error: 'part headers must end in CRLF' };
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `malformed part header '${line}'` };
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition');
  if (!disposition) return { error: 'every part needs a Content-Disposition header' };
  const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
  if (!name) return { error: 'Content-Disposition must name the part (name="…")' };
  const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
  const contentType = headers.get('content-type');
  return { name, ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}), data: raw.subarray(split + 4) };
}

/** Builds a body the way TSC's RequestFactory does (tests, and a reference for clients). */
export function buildMultipartMixed(parts: { name: string; filename?: string; contentType: string; data: Buffer | string }[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\nContent-Type: ${p.contentType}\r\n\r\n`));
    chunks.push(typeof p.data === 'string' ? Buffer.from(p.data) : p.data);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
