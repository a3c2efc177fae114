import { Events } from './event-catalogue';
import { Streams, durableName, namespace, scopedSubject, streamName, streamSubjects, unscopedName, type StreamDefinition } from './subjects';

describe('namespace', () => {
  it.each(['350206', '350206001001', '350206001001-07', 'worker_3', 'test-ns', 'A1_b-2'])('accepts the single token %j', (value) => {
    expect(namespace(value)).toBe(value);
  });

  it.each([
    ['empty', ''],
    ['a dot (would split the subject)', '350206.001'],
    ['a space', '350 206'],
    ['the * wildcard', '*'],
    ['the > wildcard', '>'],
    ['a slash', 'a/b'],
    ['non-ASCII', '思明'],
    ['a trailing newline', '350206\n'],
  ])('rejects %s', (_label, value) => {
    expect(() => namespace(value)).toThrow(`Invalid NATS namespace "${value}"`);
  });
});

describe('scopedSubject / unscopedName', () => {
  const ns = namespace('350206');

  it('inserts the namespace after "gm."', () => {
    expect(scopedSubject(ns, 'gm.case.reported.v1')).toBe('gm.350206.case.reported.v1');
    expect(scopedSubject(ns, 'gm.rpc.case.report.v1')).toBe('gm.350206.rpc.case.report.v1');
  });

  it('scopes wildcard filters too', () => {
    expect(scopedSubject(ns, 'gm.case.>')).toBe('gm.350206.case.>');
    expect(scopedSubject(ns, 'gm.*.reported.v1')).toBe('gm.350206.*.reported.v1');
  });

  it.each(['case.reported.v1', 'gmx.case.reported.v1', 'GM.case.reported.v1', 'gm', ''])('refuses a name not starting with "gm.": %j', (name) => {
    expect(() => scopedSubject(ns, name)).toThrow('Subject names start with "gm."');
  });

  it('round-trips every event type of the catalogue', () => {
    for (const def of Object.values(Events)) {
      const subject = scopedSubject(ns, def.type);
      expect(subject).not.toBe(def.type);
      expect(unscopedName(ns, subject)).toBe(def.type);
    }
  });

  it('round-trips in other namespaces', () => {
    for (const raw of ['350206001', 'worker_7', 'x']) {
      const other = namespace(raw);
      expect(unscopedName(other, scopedSubject(other, 'gm.case.reported.v1'))).toBe('gm.case.reported.v1');
    }
  });

  it('answers undefined for a subject of another namespace', () => {
    expect(unscopedName(ns, 'gm.350203.case.reported.v1')).toBeUndefined();
    expect(unscopedName(namespace('350203'), scopedSubject(ns, 'gm.case.reported.v1'))).toBeUndefined();
  });

  it('is not fooled by a namespace that is a prefix of another', () => {
    const short = namespace('3502');
    expect(unscopedName(short, 'gm.350206.case.reported.v1')).toBeUndefined();
    const street = namespace('350206001');
    expect(unscopedName(ns, scopedSubject(street, 'gm.case.reported.v1'))).toBeUndefined();
    expect(unscopedName(street, scopedSubject(ns, 'gm.case.reported.v1'))).toBeUndefined();
  });

  it('answers undefined for an unscoped or foreign subject', () => {
    expect(unscopedName(ns, 'gm.case.reported.v1')).toBeUndefined();
    expect(unscopedName(ns, '_INBOX.350206.abc')).toBeUndefined();
    expect(unscopedName(ns, 'xgm.350206.case.reported.v1')).toBeUndefined();
  });
});

describe('streams', () => {
  const ns = namespace('350206');

  it('names the stream <KEY>_<namespace>, without dots', () => {
    expect(streamName(ns, Streams.caseEvents)).toBe('CASE_EVENTS_350206');
    expect(streamName(namespace('worker_3'), Streams.caseEvents)).toBe('CASE_EVENTS_worker_3');
    expect(streamName(ns, Streams.caseEvents)).not.toContain('.');
  });

  it('gives different tiers different stream names', () => {
    expect(streamName(namespace('350206'), Streams.caseEvents)).not.toBe(streamName(namespace('350203'), Streams.caseEvents));
  });

  it('scopes every subject filter of the stream', () => {
    expect(streamSubjects(ns, Streams.caseEvents)).toEqual(['gm.350206.case.>']);
  });

  it('scopes a stream with several filters, in order', () => {
    const def: StreamDefinition = {
      key: 'TEST',
      subjects: ['gm.a.>', 'gm.b.created.v1'],
      description: 'synthetic',
      maxAgeMs: 1000,
      duplicateWindowMs: 100,
    };
    expect(streamSubjects(namespace('ns1'), def)).toEqual(['gm.ns1.a.>', 'gm.ns1.b.created.v1']);
    expect(streamName(namespace('ns1'), def)).toBe('TEST_ns1');
  });

  it('the case stream captures the case events', () => {
    const [filter] = streamSubjects(ns, Streams.caseEvents);
    const subject = scopedSubject(ns, Events.caseReported.type);
    expect(filter).toBeDefined();
    expect(subject.startsWith((filter ?? '').replace(/>$/, ''))).toBe(true);
  });

  it('keeps messages longer than the de-duplication window (0: no age limit)', () => {
    for (const def of Object.values(Streams)) {
      expect(def.duplicateWindowMs).toBeGreaterThan(0);
      if (def.maxAgeMs !== 0) expect(def.maxAgeMs).toBeGreaterThan(def.duplicateWindowMs);
    }
    expect(Streams.baseDataRecords).toMatchObject({ maxAgeMs: 0, maxMsgsPerSubject: 64 });
  });
});

describe('durableName', () => {
  it('joins service and purpose with a hyphen', () => {
    expect(durableName('command-centre', 'case-live')).toBe('command-centre-case-live');
    expect(durableName('gis', 'projection_v2')).toBe('gis-projection_v2');
  });

  it.each([
    ['a dot', 'gis', 'case.live'],
    ['a space', 'gis', 'case live'],
    ['a wildcard', 'gis', '*'],
    ['a >', 'gis', '>'],
    ['non-ASCII', '网格', 'live'],
  ])('rejects a name with %s', (_label, service, purpose) => {
    expect(() => durableName(service, purpose)).toThrow(`Invalid durable name "${service}-${purpose}"`);
  });
});
