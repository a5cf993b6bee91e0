import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, waitFor } from '@skiff/testing';
import { buildImages, dockerQuiet, run, runsDockerTests, skiff } from './docker-harness';

// docker-compose.dev.yml as a user runs it (docker-compose 1.29): the whole platform in containers, a
// Node and a Python function built and deployed with `skiff up` through the published gateway port,
// invoked, then `down -v` removes every container, network and volume of the project (named after this file's prefix).
const prefix = process.env.SKIFF_SUBJECT_PREFIX!;
const project = `${prefix}compose`;
const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.dev.yml');
let runs = false;
let port = 0;
let home: string;

const compose = (args: string[], input?: string) =>
  run('docker-compose', ['-f', COMPOSE_FILE, ...args], {
    env: { COMPOSE_PROJECT_NAME: project, SKIFF_GATEWAY_HOST_PORT: String(port) },
    input,
  });

beforeAll(async () => {
  runs = await runsDockerTests();
  if (!runs) return;
  buildImages([]);
  port = await freePort();
  home = mkdtempSync(join(tmpdir(), `${prefix}-compose-`));
  compose(['up', '-d']);
}, 1_800_000);

afterAll(() => {
  if (!runs) return;
  dockerQuiet(['rmi', '-f', `${prefix}-hello:latest`]);
  try {
    compose(['down', '-v', '--remove-orphans', '--timeout', '5']);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 300_000);

describe('docker-compose.dev.yml', () => {
  it('comes up, deploys a function with skiff up, invokes it, and goes down leaving nothing behind', async () => {
    if (!runs) return;
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      'the gateway',
      async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.ok === true,
      180_000,
      1000,
    ).catch((err: Error) => {
      // CI once saw the gateway not answer on its published port for 180 s (it answers in seconds
      // here): say which containers ran, restarted or died, and what the gateway printed.
      const said = (args: string[]) => {
        try {
          return compose(args);
        } catch (e) {
          return (e as Error).message;
        }
      };
      throw new Error(`${err.message}\n--- ps ---\n${said(['ps'])}\n--- gateway ---\n${said(['logs', '--tail', '40', 'gateway'])}`);
    });
    const password = compose(['exec', '-T', 'gateway', 'cat', '/bus/gateway/admin-password']);
    const env = { SKIFF_URL: url, SKIFF_PASSWORD: password, HOME: home };
    skiff(['new', `${prefix}-hello`, '--lang', 'node20'], home, env);
    // Python too: the provider runs local-backend replicas itself, so its image carries python3.
    skiff(['new', `${prefix}-py`, '--lang', 'python3-http'], home, env);
    skiff(['up', '--no-docker'], home, env);
    expect(skiff(['invoke', `${prefix}-hello`], home, env)).toContain('Received input');
    expect(skiff(['invoke', `${prefix}-py`], home, env, 'from compose')).toBe('Hello from Python: from compose');
    compose(['down', '-v', '--timeout', '5']);
    expect(run('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '-q'])).toBe('');
    expect(run('docker', ['volume', 'ls', '--filter', `label=com.docker.compose.project=${project}`, '-q'])).toBe('');
  }, 600_000);
});
