import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DEFAULT_CATEGORIES } from '@gm/domain';
import { element, escapeXml, open311Xml, xmlDocument } from './open311-xml';
import { serviceDefinitionOf, serviceOf } from './open311-mapping';

const parser = new XMLParser({ parseTagValue: false, isArray: (name) => ['service', 'attribute', 'value', 'request', 'error', 'endpoint', 'format', 'request_update'].includes(name) });

describe('the XML writer', () => {
  it('escapes the five special characters', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
  });

  it('drops characters XML 1.0 does not allow and keeps everything else, astral characters included', () => {
    const nasty = `a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFFi\uD800j\uDC00k`;
    expect(escapeXml(nasty)).toBe('abcdefghijk');
    expect(escapeXml('tab\there\nline\rcr 中文 😀 \u{10FFFF}')).toBe('tab\there\nline\rcr 中文 😀 \u{10FFFF}');
    const doc = xmlDocument(element('description', nasty));
    expect(XMLValidator.validate(doc)).toBe(true);
  });

  it('writes empty and null values as empty elements, numbers and booleans as text', () => {
    expect(xmlDocument(element('r', [element('a', null), element('b', ''), element('c', 1.5), element('d', false), element('e', undefined)]))).toBe(
      '<?xml version="1.0" encoding="utf-8"?><r><a/><b/><c>1.5</c><d>false</d><e/></r>',
    );
  });

  it('refuses names that are not XML names', () => {
    for (const name of ['', '1a', 'a b', 'a<b', 'xmlthing']) expect(() => element(name, 'x')).toThrow(RangeError);
  });

  it('a hostile text cannot open or close elements', () => {
    const doc = open311Xml('service_requests', [{ service_request_id: '1', description: '</description></request><request><service_request_id>evil' }]);
    expect(XMLValidator.validate(doc)).toBe(true);
    const parsed = parser.parse(doc) as { service_requests: { request: { description: string }[] } };
    expect(parsed.service_requests.request).toHaveLength(1);
    expect(parsed.service_requests.request[0]?.description).toContain('</request>');
  });
});

describe('Open311 documents in XML', () => {
  it('services: <services><service> with the spec element names, in order', () => {
    const doc = open311Xml('services', DEFAULT_CATEGORIES.map((c) => serviceOf(c)));
    expect(XMLValidator.validate(doc)).toBe(true);
    const services = (parser.parse(doc) as { services: { service: Record<string, string>[] } }).services.service;
    expect(services).toHaveLength(DEFAULT_CATEGORIES.length);
    expect(Object.keys(services[0]!)).toEqual(['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']);
    expect(doc).toContain('<service_code>SJ0101</service_code><service_name>暴露垃圾 Exposed garbage</service_name>');
  });

  it('service definition: <service_definition><attributes><attribute><values><value><key><name>', () => {
    const doc = open311Xml('service_definition', serviceDefinitionOf(DEFAULT_CATEGORIES.find((c) => c.code === 'BJ0110')!));
    expect(XMLValidator.validate(doc)).toBe(true);
    const def = (parser.parse(doc) as { service_definition: { service_code: string; attributes: { attribute: { code: string; values?: { value: { key: string; name: string }[] } }[] } } }).service_definition;
    expect(def.service_code).toBe('BJ0110');
    expect(def.attributes.attribute.map((a) => a.code)).toEqual(['fault', 'pole_no']);
    expect(def.attributes.attribute[0]?.values?.value[0]).toEqual({ key: 'dark', name: '不亮 Not lit' });
  });

  it('errors: <errors><error><code><description>', () => {
    const doc = open311Xml('errors', [{ code: 403, description: 'api_key 缺失或无效 missing or invalid api_key' }]);
    expect(doc).toBe('<?xml version="1.0" encoding="utf-8"?><errors><error><code>403</code><description>api_key 缺失或无效 missing or invalid api_key</description></error></errors>');
  });

  it('discovery: endpoints with their formats', () => {
    const doc = open311Xml('discovery', { changeset: 'c', contact: 'x', key_service: 'y', endpoints: [{ specification: 's', url: 'u', changeset: 'c', type: 'production', formats: ['text/xml', 'application/json'] }] });
    expect(doc).toContain('<endpoints><endpoint><specification>s</specification><url>u</url><changeset>c</changeset><type>production</type><formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints>');
  });

  it('an empty list is an empty root element', () => {
    expect(open311Xml('service_request_updates', [])).toBe('<?xml version="1.0" encoding="utf-8"?><service_request_updates/>');
  });

  it('refuses a list without a known item name', () => {
    expect(() => open311Xml('service_requests', [{ tags: ['a'] }])).toThrow(/tags/);
  });
});
