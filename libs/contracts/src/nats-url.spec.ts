import { natsServers } from './nats-url';

describe('natsServers', () => {
  it('moves credentials out of the URLs', () => {
    expect(natsServers('nats://platform:p%40ss@127.0.0.1:4222,nats://10.0.0.2:4222')).toEqual({
      servers: ['nats://127.0.0.1:4222', 'nats://10.0.0.2:4222'],
      user: 'platform',
      pass: 'p@ss',
    });
    expect(natsServers('nats://s3cr3t@host:4222')).toEqual({ servers: ['nats://host:4222'], token: 's3cr3t' });
    expect(natsServers('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
  });
});
