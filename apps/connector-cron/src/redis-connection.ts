import type { ConnectionOptions } from 'bullmq';

/** ioredis options from a `redis://[user:password@]host[:port][/db]` URL, as BullMQ workers need them. */
export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port) || 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number(u.pathname.replace('/', '')) || 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Workers block on Redis; commands wait for a reconnect instead of failing (Redis restarts are survived).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
}
