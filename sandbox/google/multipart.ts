/** Minimal multipart/related parser for BigQuery's uploadType=multipart: part 1 JSON metadata, part 2 the data. */

export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    // "--boundary--" closes the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    else if (body[start] === 0x0a) start += 1;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    // Strip the line break that belongs to the delimiter line.
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = body.subarray(start, end);
    let headerEnd = part.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (headerEnd === -1) {
      headerEnd = part.indexOf('\n\n');
      sepLen = 2;
    }
    const headers: Record<string, string> = {};
    if (headerEnd !== -1) {
      for (const line of part.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
        const idx = line.indexOf(':');
        if (idx > 0) headers[line.slice(0, idx).trim().toLowerCase()] = line.slice(idx + 1).trim();
      }
    }
    parts.push({ headers, body: headerEnd === -1 ? part : part.subarray(headerEnd + sepLen) });
    pos = next;
  }
  return parts;
}
