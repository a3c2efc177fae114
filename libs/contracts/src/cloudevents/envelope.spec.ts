import type { CaseReportedV1 } from '../cases/case-events';
import { DomainError } from '../errors/error-codes';
import { Events } from '../messaging/event-catalogue';
import { cloudEventSchema } from './cloud-event';
import { createCloudEvent, parseCloudEvent, type EnvelopeOptions } from './envelope';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const EVENT_ID = '0f8fd3b1-3c1b-4b8e-9a2c-5d6e7f809142';
const CASE_ID = '6d1c1c9e-8a4b-4f7e-9b0d-2c3e4f5a6b7c';

function caseData(overrides: Partial<CaseReportedV1> = {}): CaseReportedV1 {
  return {
    caseId: CASE_ID,
    caseNo: '350206-20261121-000042',
    state: 'reported',
    categoryCode: 'SJ0101',
    urgency: 'normal',
    gridCode: '350206001001-07',
    location: { latitude: 24.4798, longitude: 118.0894 },
    summary: '暴露垃圾，联系138****5678',
    channel: 'handheld',
    reportedAt: '2026-11-21T09:30:00.000Z',
    reporter: { subject: 'sub-0001', role: 'grid-worker' },
    ...overrides,
  };
}

const opts: EnvelopeOptions = {
  source: '350206/public-sentiment',
  tier: '350206',
  subject: CASE_ID,
  id: EVENT_ID,
  time: new Date('2026-11-21T09:30:01.000Z'),
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an exception');
}

describe('createCloudEvent', () => {
  it('builds an envelope that passes cloudEventSchema', () => {
    const event = createCloudEvent(Events.caseReported, caseData(), opts);
    expect(cloudEventSchema.safeParse(event).success).toBe(true);
  });

  it('fills the envelope from the definition and the options', () => {
    const event = createCloudEvent(Events.caseReported, caseData(), opts);
    expect(event).toEqual({
      specversion: '1.0',
      id: EVENT_ID,
      source: '350206/public-sentiment',
      type: 'gm.case.reported.v1',
      time: '2026-11-21T09:30:01.000Z',
      subject: CASE_ID,
      datacontenttype: 'application/json',
      gmtier: '350206',
      data: caseData(),
    });
  });

  it('generates a UUID id and the current time when none is given', () => {
    const before = Date.now();
    const a = createCloudEvent(Events.caseReported, caseData(), { source: 's', tier: '350206' });
    const b = createCloudEvent(Events.caseReported, caseData(), { source: 's', tier: '350206' });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
    const t = Date.parse(a.time);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
    expect(cloudEventSchema.safeParse(a).success).toBe(true);
  });

  it('carries traceparent and tracestate when given', () => {
    const event = createCloudEvent(Events.caseReported, caseData(), { ...opts, traceparent: TRACEPARENT, tracestate: 'gm=1' });
    expect(event.traceparent).toBe(TRACEPARENT);
    expect(event.tracestate).toBe('gm=1');
    expect(cloudEventSchema.safeParse(event).success).toBe(true);
  });

  it('leaves optional attributes out entirely when not given', () => {
    const event = createCloudEvent(Events.caseReported, caseData(), { source: 's', tier: '350206' });
    expect(Object.keys(event)).not.toContain('traceparent');
    expect(Object.keys(event)).not.toContain('tracestate');
    expect(Object.keys(event)).not.toContain('subject');
  });

  it('returns the parsed data (not the input object)', () => {
    const input = { ...caseData(), extra: 'dropped' } as CaseReportedV1;
    const event = createCloudEvent(Events.caseReported, input, opts);
    expect(event.data).not.toHaveProperty('extra');
    expect(event.data).toEqual(caseData());
  });

  it('throws a DomainError naming each bad field under "data."', () => {
    const bad = caseData({
      location: { latitude: 91, longitude: 118.0894 },
      summary: 'x'.repeat(201),
    });
    const err = thrown(() => createCloudEvent(Events.caseReported, bad, opts));
    expect(err).toBeInstanceOf(DomainError);
    const domainError = err as DomainError;
    expect(domainError.code).toBe('REQUEST.VALIDATION_FAILED');
    const fields = domainError.fieldErrors.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['data.location.latitude', 'data.summary']));
    for (const f of fields) expect(f.startsWith('data.')).toBe(true);
    expect(domainError.message).toMatch(/^data\./);
  });

  it('names a missing field under "data."', () => {
    const { caseId: _omitted, ...rest } = caseData();
    const err = thrown(() => createCloudEvent(Events.caseReported, rest as CaseReportedV1, opts)) as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['data.caseId']);
  });

  it('names nested fields with dotted paths', () => {
    const bad = caseData({ reporter: { subject: '', role: 'grid-worker' } });
    expect(() => createCloudEvent(Events.caseReported, bad, opts)).toThrow(
      expect.objectContaining({ fieldErrors: [expect.objectContaining({ field: 'data.reporter.subject' })] }),
    );
  });
});

describe('parseCloudEvent', () => {
  const valid = () => createCloudEvent(Events.caseReported, caseData(), { ...opts, traceparent: TRACEPARENT });

  it('accepts a valid event as a string', () => {
    const parsed = parseCloudEvent(JSON.stringify(valid()));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.definition).toBe(Events.caseReported);
    expect(parsed.event).toEqual(valid());
    expect(parsed.event.traceparent).toBe(TRACEPARENT);
  });

  it('accepts a valid event as UTF-8 bytes, keeping Chinese text intact', () => {
    const parsed = parseCloudEvent(new TextEncoder().encode(JSON.stringify(valid())));
    expect(parsed).toMatchObject({ ok: true, event: { id: EVENT_ID, data: { summary: '暴露垃圾，联系138****5678' } } });
  });

  it('drops unknown envelope attributes and unknown data fields', () => {
    const raw = { ...valid(), someextension: 'x', data: { ...caseData(), extra: 1 } };
    const parsed = parseCloudEvent(JSON.stringify(raw));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.event).not.toHaveProperty('someextension');
    expect(parsed.event.data).not.toHaveProperty('extra');
  });

  it.each([
    ['garbage', 'not json at all'],
    ['an empty payload', ''],
    ['truncated JSON', JSON.stringify({ specversion: '1.0' }).slice(0, 10)],
  ])('answers "payload is not JSON" for %s', (_label, payload) => {
    expect(parseCloudEvent(payload)).toEqual({ ok: false, reason: 'payload is not JSON' });
  });

  it('answers "payload is not JSON" for bytes that are not JSON', () => {
    expect(parseCloudEvent(new Uint8Array([0xff, 0xfe, 0x00, 0x01]))).toEqual({ ok: false, reason: 'payload is not JSON' });
  });

  it.each([
    ['null', null, 'invalid envelope: '],
    ['an array', [], 'invalid envelope: '],
    ['a number', 42, 'invalid envelope: '],
  ])('rejects %s as an invalid envelope', (_label, json, prefix) => {
    const parsed = parseCloudEvent(JSON.stringify(json));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason.startsWith(prefix)).toBe(true);
    expect(parsed.id).toBeUndefined();
  });

  it.each([
    ['specversion', { specversion: '0.3' }],
    ['id', { id: 'not-a-uuid' }],
    ['type', { type: 'case.reported' }],
    ['time', { time: 'yesterday' }],
    ['datacontenttype', { datacontenttype: 'text/plain' }],
    ['traceparent', { traceparent: 'garbage' }],
    ['gmtier', { gmtier: '' }],
    ['source', { source: '' }],
  ])('rejects a bad %s, naming it in the reason', (attribute, patch) => {
    const parsed = parseCloudEvent(JSON.stringify({ ...valid(), ...patch }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toMatch(new RegExp(`^invalid envelope: ${attribute}: `));
  });

  it('rejects an envelope missing a required attribute', () => {
    const { gmtier: _omitted, ...rest } = valid();
    const parsed = parseCloudEvent(JSON.stringify(rest));
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid envelope: gmtier: /) });
  });

  it('rejects an unknown (well-formed) type, returning the event id', () => {
    const parsed = parseCloudEvent(JSON.stringify({ ...valid(), type: 'gm.case.vanished.v1' }));
    expect(parsed).toEqual({ ok: false, reason: 'unknown event type gm.case.vanished.v1', id: EVENT_ID });
  });

  it('rejects a newer version of a known event as unknown', () => {
    const parsed = parseCloudEvent(JSON.stringify({ ...valid(), type: 'gm.case.reported.v2' }));
    expect(parsed).toMatchObject({ ok: false, reason: 'unknown event type gm.case.reported.v2', id: EVENT_ID });
  });

  it('rejects invalid data, naming the type and the field, and returns the event id', () => {
    const raw = { ...valid(), data: { ...caseData(), location: { latitude: 24.4798, longitude: 181 } } };
    const parsed = parseCloudEvent(JSON.stringify(raw));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.id).toBe(EVENT_ID);
    expect(parsed.reason).toMatch(/^invalid data for gm\.case\.reported\.v1: location\.longitude: /);
  });

  it('rejects an envelope without data as an invalid envelope', () => {
    const { data: _omitted, ...rest } = valid();
    const parsed = parseCloudEvent(JSON.stringify(rest));
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid envelope: data: /) });
  });

  it('rejects null data as invalid data for the type', () => {
    const parsed = parseCloudEvent(JSON.stringify({ ...valid(), data: null }));
    expect(parsed).toMatchObject({ ok: false, id: EVENT_ID, reason: expect.stringMatching(/^invalid data for gm\.case\.reported\.v1: /) });
  });

  it('never throws, whatever the payload', () => {
    const payloads: (string | Uint8Array)[] = [
      '',
      '{',
      'null',
      'true',
      '"string"',
      '[1,2]',
      '{"data":{}}',
      JSON.stringify({ ...valid(), data: null }),
      JSON.stringify({ ...valid(), data: 'text' }),
      JSON.stringify({ ...valid(), type: 42 }),
      new Uint8Array([]),
      new Uint8Array([0x7b, 0x22]),
    ];
    for (const payload of payloads) {
      let parsed: ReturnType<typeof parseCloudEvent> | undefined;
      expect(() => {
        parsed = parseCloudEvent(payload);
      }).not.toThrow();
      expect(parsed?.ok).toBe(false);
      if (parsed && !parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
    }
  });
});
