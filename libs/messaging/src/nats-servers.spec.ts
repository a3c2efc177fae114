import { natsConnectionOptions } from './nats-servers';

describe('natsConnectionOptions', () => {
  it('passes plain URLs through', () => {
    expect(natsConnectionOptions(['nats://127.0.0.1:4222', 'nats://nats-2:4222'])).toEqual({ servers: ['nats://127.0.0.1:4222', 'nats://nats-2:4222'] });
  });

  it('takes the user and password out of the URLs (nats.js does not read them there)', () => {
    expect(natsConnectionOptions(['nats://services:s%40cret@127.0.0.1:14222', 'nats://services:s%40cret@127.0.0.1:14223'])).toEqual({
      servers: ['nats://127.0.0.1:14222', 'nats://127.0.0.1:14223'],
      user: 'services',
      pass: 's@cret',
    });
  });

  it('refuses URLs naming different users', () => {
    expect(() => natsConnectionOptions(['nats://a:x@h1:4222', 'nats://b:y@h2:4222'])).toThrow(/same user/);
  });
});
