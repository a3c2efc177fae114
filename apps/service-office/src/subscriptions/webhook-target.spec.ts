import { isPublicAddress, WebhookTargets } from './webhook-target';

describe('webhook targets', () => {
  it('tells public addresses from private, loopback, link-local and mapped ones', () => {
    for (const a of ['8.8.8.8', '114.114.114.114', '2001:4860:4860::8888']) expect({ a, pub: isPublicAddress(a) }).toEqual({ a, pub: true });
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', 'nonsense'])
      expect({ a, pub: isPublicAddress(a) }).toEqual({ a, pub: false });
  });

  it('refuses http, credentials and private targets unless the allow-list names the host', async () => {
    const none = new WebhookTargets([]);
    expect(await none.problem('http://8.8.8.8/hook')).toMatch(/must be https/);
    expect(await none.problem('https://127.0.0.1/hook')).toMatch(/private or loopback/);
    expect(await none.problem('https://169.254.169.254/latest')).toMatch(/private or loopback/);
    expect(await none.problem('https://[::1]:8443/hook')).toMatch(/private or loopback/);
    expect(await none.problem('https://localhost/hook')).toMatch(/private or loopback/);
    expect(await none.problem('https://user:pw@8.8.8.8/hook')).toMatch(/user name or password/);
    expect(await none.problem('https://8.8.8.8/hook')).toBeUndefined();
    expect(await none.problem('not a url')).toBe('not a URL');

    const local = new WebhookTargets(['127.0.0.1', 'localhost:9000']);
    expect(await local.problem('http://127.0.0.1:4123/hook')).toBeUndefined();
    expect(await local.problem('http://localhost:9000/hook')).toBeUndefined();
    expect(await local.problem('http://localhost:9001/hook')).toMatch(/must be https/);
    expect(local.lookupFor(new URL('http://127.0.0.1:1/'))).toBeUndefined();
    expect(local.lookupFor(new URL('https://example.org/'))).toBeInstanceOf(Function);
  });
});
