import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { distEntry } from '@skiff/testing';

/**
 * A service started with a bad environment stops before it connects to anything, with one message
 * naming every bad variable — also when they belong to different parts of its configuration (its
 * own variables, the log stream's, the leader lease's, the JetStream quotas).
 */
describe('a bad environment is reported in one message naming every bad variable (real processes)', () => {
  it.each([
    ['gateway', { SKIFF_UPSTREAM_TIMEOUT: 'soon', SKIFF_LOGS_MAX_AGE_S: 'never' }],
    ['provider', { SKIFF_BACKEND: 'mars', SKIFF_LOGS_MAX_AGE_S: 'never' }],
    ['scaler', { SKIFF_SCALER_PORT: 'x', SKIFF_LEADER_LEASE_MS: 'forever' }],
    ['queue-worker', { SKIFF_QUEUE_WORKER_PORT: 'x', SKIFF_KV_MAX_BYTES: 'lots' }],
    ['connector-cron', { SKIFF_CONNECTOR_CRON_PORT: 'x', SKIFF_KV_MAX_BYTES: 'lots' }],
    ['connector-webhook', { SKIFF_WEBHOOK_PORT: 'x', SKIFF_KV_MAX_BYTES: 'lots' }],
  ])('%s names both %p and exits non-zero', (app, bad) => {
    const run = spawnSync(process.execPath, [distEntry(app)], { env: { ...process.env, ...bad }, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    const errors = run.stderr.split('\n').filter((line) => line.includes('failed to start'));
    expect(errors).toHaveLength(1);
    const message = run.stderr.slice(run.stderr.indexOf(errors[0]));
    for (const name of Object.keys(bad)) expect(message).toContain(name);
  });
});
