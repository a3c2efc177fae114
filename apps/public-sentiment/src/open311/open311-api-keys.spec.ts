import { loadConfig } from '@gm/platform/config';
import { configSchema } from '../config/config';
import { Open311ApiKeys, open311ApiKeysSchema } from './open311-api-keys';

const KEY_A = 'k'.repeat(24);
const KEY_B = 'Zx9_-'.repeat(6);

const issuesOf = (value: string) => {
  const r = open311ApiKeysSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('OPEN311_API_KEYS', () => {
  it('reads comma-separated name:key pairs, spaces allowed around them', () => {
    expect(open311ApiKeysSchema.parse(` fixmystreet:${KEY_A} , city-app:${KEY_B} `)).toEqual([
      { name: 'fixmystreet', key: KEY_A },
      { name: 'city-app', key: KEY_B },
    ]);
  });

  it('is empty (creating requests off) when unset', () => {
    expect(open311ApiKeysSchema.parse(undefined)).toEqual([]);
    expect(open311ApiKeysSchema.parse('')).toEqual([]);
  });

  it.each([
    ['a pair without a colon', KEY_A],
    ['an upper-case name', `FixMyStreet:${KEY_A}`],
    ['a short key', 'app:short-key'],
    ['a key with other characters', `app:${KEY_A}:+/`],
    ['a duplicate name', `app:${KEY_A},app:${KEY_B}`],
    ['a duplicate key', `a:${KEY_A},b:${KEY_A}`],
  ])('refuses %s without repeating the value', (_label, value) => {
    const issues = issuesOf(value);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.join(' ')).not.toContain(KEY_A);
    expect(issues.join(' ')).not.toContain(KEY_B);
  });

  it('is part of the service configuration, and a bad value stops it naming the variable only', () => {
    const env = { TIER_CODE: '350206', NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://gm@127.0.0.1/gm', OIDC_ISSUER: 'http://127.0.0.1:1/realms/gm' };
    expect(loadConfig(configSchema, { ...env, OPEN311_API_KEYS: `fixmystreet:${KEY_A}` }).own.OPEN311_API_KEYS).toEqual([{ name: 'fixmystreet', key: KEY_A }]);
    expect(() => loadConfig(configSchema, { ...env, OPEN311_API_KEYS: `Bad Name:${KEY_A}` })).toThrow(expect.objectContaining({ message: expect.stringContaining('OPEN311_API_KEYS') }));
    expect(() => loadConfig(configSchema, { ...env, OPEN311_API_KEYS: `Bad Name:${KEY_A}` })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(KEY_A) }));
  });
});

describe('Open311ApiKeys', () => {
  const keys = new Open311ApiKeys([
    { name: 'fixmystreet', key: KEY_A },
    { name: 'city-app', key: KEY_B },
  ]);

  it('names the client holding a key', () => {
    expect(keys.clientOf(KEY_A)).toBe('fixmystreet');
    expect(keys.clientOf(KEY_B)).toBe('city-app');
  });

  it('knows nobody for a missing, empty, wrong or nearly right key', () => {
    for (const k of [undefined, '', 'x', KEY_A.slice(1), `${KEY_A}k`, KEY_A.toUpperCase()]) expect(keys.clientOf(k)).toBeUndefined();
  });

  it('without keys nobody may create requests', () => {
    const none = new Open311ApiKeys([]);
    expect(none.clientOf('')).toBeUndefined();
    expect(none.clientOf(KEY_A)).toBeUndefined();
  });
});
