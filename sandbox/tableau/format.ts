/**
 * Replies in the two shapes Tableau sends: JSON when the request's Accept asks for application/json, XML
 * (`<tsResponse xmlns="http://tableau.com/api">`) otherwise — the trap a client that forgets Accept falls into.
 * Tableau's JSON mirrors its XML: scalar fields are attributes, objects are child elements, arrays repeat the
 * element, and arrays of strings are elements with text (`notes`).
 */
import type { Request, Response } from 'express';

export interface Reply {
  status: number;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export function wantsJson(req: Request): boolean {
  return /application\/json/i.test(String(req.headers.accept ?? ''));
}

export function send(req: Request, res: Response, reply: Reply): void {
  res.status(reply.status);
  if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  if (reply.body === undefined) {
    res.end();
    return;
  }
  if (wantsJson(req)) {
    res.json(reply.body);
    return;
  }
  res.type('application/xml; charset=utf-8');
  res.send(`<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_27.xsd">${children(reply.body)}</tsResponse>`);
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Scalars Tableau's XML carries as child elements with text, not attributes (`<error><summary>…`). */
const TEXT_CHILDREN = new Set(['summary', 'detail', 'restApiVersion']);
/** Elements whose JSON `value` is their XML text (`<productVersion build="…">2025.3.0</productVersion>`). */
const VALUE_AS_TEXT = new Set(['productVersion']);

function element(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (isScalar(value)) return `<${name}>${escapeXml(String(value))}</${name}>`;
  const obj = value as Record<string, unknown>;
  const textValue = VALUE_AS_TEXT.has(name) && isScalar(obj.value) ? escapeXml(String(obj.value)) : '';
  const attrs = Object.entries(obj)
    .filter(([k, v]) => isScalar(v) && !TEXT_CHILDREN.has(k) && !(textValue && k === 'value'))
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  const inner = textValue + children(obj);
  return inner ? `<${name}${attrs}>${inner}</${name}>` : `<${name}${attrs}/>`;
}

function children(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .filter(([k, v]) => v !== null && v !== undefined && (!isScalar(v) || TEXT_CHILDREN.has(k)))
    .map(([k, v]) => element(k, v))
    .join('');
}

/** `{"error":{"summary","detail","code"}}`; the code is a string, as Tableau sends it. */
export function tsError(status: number, code: string, summary: string, detail: string, headers?: Record<string, string>): Reply {
  return { status, body: { error: { code, summary, detail } }, ...(headers ? { headers } : {}) };
}

export const badRequest = (detail: string): Reply => tsError(400, '400000', 'Bad Request', detail);
export const signinError = (): Reply => tsError(401, '401001', 'Signin Error', 'Error signing in to Tableau Server');
export const invalidToken = (): Reply => tsError(401, '401002', 'Unauthorized Access', 'Invalid authentication credentials were provided.');
export const missingToken = (): Reply => tsError(401, '401000', 'Unauthorized Access', 'No authentication credentials were provided.');
export const notFound = (code: string, summary: string, detail: string): Reply => tsError(404, code, summary, detail);

/** A minimal attribute reader for the small XML request bodies Tableau takes (sign-in, request_payload). */
export function xmlAttr(tagText: string, attr: string): string | undefined {
  const m = new RegExp(`\\s${attr}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tagText);
  return m ? unescapeXml(m[1] ?? m[2] ?? '') : undefined;
}

/** The opening tag `<name …>` (or `<name …/>`) of the first element called name, if any. */
export function xmlTag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?=[\\s/>])[^>]*>`).exec(xml);
  return m?.[0];
}
