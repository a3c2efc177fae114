/**
 * A small XML 1.0 writer for the Open311 documents: elements with text or child elements, no
 * attributes, no namespaces. Text is escaped (& < > " ') and characters XML 1.0 does not allow
 * (most control characters, lone surrogates, U+FFFE/U+FFFF) are dropped, so that whatever a
 * reporter typed, the document stays well formed.
 */

export type XmlScalar = string | number | boolean | null | undefined;

export interface XmlElement {
  readonly name: string;
  readonly content: XmlScalar | readonly XmlElement[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// Everything outside #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(ILLEGAL, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function element(name: string, content: XmlElement['content']): XmlElement {
  if (!NAME.test(name) || /^xml/i.test(name)) throw new RangeError(`not an XML element name: ${name}`);
  return { name, content };
}

function scalarText(v: Exclude<XmlScalar, null | undefined>): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return escapeXml(String(v));
}

function write(e: XmlElement, out: string[]): void {
  const { name, content } = e;
  if (content === null || content === undefined || content === '' || (Array.isArray(content) && content.length === 0)) {
    out.push(`<${name}/>`);
  } else if (Array.isArray(content)) {
    out.push(`<${name}>`);
    for (const child of content as readonly XmlElement[]) write(child, out);
    out.push(`</${name}>`);
  } else {
    out.push(`<${name}>${scalarText(content as Exclude<XmlScalar, null | undefined>)}</${name}>`);
  }
}

/** A whole document, with the XML declaration. */
export function xmlDocument(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>'];
  write(root, out);
  return out.join('');
}

/**
 * The element names of list items, as the GeoReport v2 specification writes them
 * (`<services><service>`, `<attributes><attribute>`, `<values><value>`, …).
 */
const ITEM_NAMES: Readonly<Record<string, string>> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  service_requests: 'request',
  service_request_updates: 'request_update',
  errors: 'error',
};

/** The root element of each Open311 document. */
export type Open311Root = 'discovery' | 'services' | 'service_definition' | 'service_requests' | 'service_request_updates' | 'errors';

function fromJson(name: string, value: unknown): XmlElement {
  if (Array.isArray(value)) {
    const item = ITEM_NAMES[name];
    if (!item) throw new RangeError(`no item element name for the list ${name}`);
    return element(name, value.map((v) => fromJson(item, v)));
  }
  if (value !== null && typeof value === 'object') {
    return element(
      name,
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => fromJson(k, v)),
    );
  }
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return element(name, value);
  throw new RangeError(`cannot write ${typeof value} as XML (${name})`);
}

/** The XML form of an Open311 JSON document: same fields, same order, the spec's element names. */
export function open311Xml(root: Open311Root, json: unknown): string {
  return xmlDocument(fromJson(root, json));
}
