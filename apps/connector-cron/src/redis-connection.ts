import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'bullmq';

/**
 * ioredis options from a `redis://[user:password@]host[:port][/db]` URL, as BullMQ workers need them;
 * the password comes from `passwordFile` when one is given (so it is in no URL, environment or command line).
 */
export function redisConnection(url: string, passwordFile?: string): ConnectionOptions {
  const u = new URL(url);
  const password = passwordFile ? readFileSync(passwordFile, 'utf8').trim() : u.password ? decodeURIComponent(u.password) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port) || 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password,
    db: Number(u.pathname.replace('/', '')) || 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Workers block on Redis; commands wait for a reconnect instead of failing (Redis restarts are survived).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
}
