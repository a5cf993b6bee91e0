import { buildReplicaTemplate } from './replica-template';
import { HostRuntimeResolver } from './replica-runtime';

const settings = {
  entry: '/dist/apps/watchdog/src/main.js',
  natsUrl: 'nats://127.0.0.1:4222',
  subjectPrefix: 'tx',
  logLevel: 'info',
  hostEnv: { PATH: '/usr/bin', HOME: '/home/u', SKIFF_ADMIN_PASSWORD: 'secret', AWS_SECRET_ACCESS_KEY: 'k' },
};

describe('buildReplicaTemplate', () => {
  const spec = {
    service: 'echo',
    image: 'any',
    namespace: 'openfaas-fn',
    envProcess: 'cat',
    envVars: { mode: 'classic', SKIFF_NATS_URL: 'nats://evil:1' },
  };

  it('runs the watchdog with the platform variables, fprocess and the function envVars', async () => {
    const t = buildReplicaTemplate(spec, await new HostRuntimeResolver().resolve(spec), settings);
    expect(t.command).toBe(process.execPath);
    expect(t.args).toEqual(['--max-semi-space-size=2', settings.entry]);
    // Host images get an empty working directory of their own, never the provider's.
    expect(t.cwd).toBeUndefined();
    expect(t.env).toMatchObject({
      PATH: '/usr/bin',
      HOME: '/home/u',
      mode: 'classic',
      fprocess: 'cat',
      SKIFF_NATS_URL: 'nats://127.0.0.1:4222',
      SKIFF_SUBJECT_PREFIX: 'tx',
      SKIFF_FUNCTION_NAME: 'echo',
      SKIFF_FUNCTION_NAMESPACE: 'openfaas-fn',
      SKIFF_WATCHDOG_PORT: '0',
      SKIFF_EXIT_ON_STDIN_CLOSE: '1',
      SKIFF_FUNCTION_LOGS_STDOUT: 'false',
    });
  });

  it('passes no other provider variables to functions', async () => {
    const t = buildReplicaTemplate(spec, await new HostRuntimeResolver().resolve(spec), settings);
    expect(t.env).not.toHaveProperty('SKIFF_ADMIN_PASSWORD');
    expect(t.env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
  });

  it('falls back to envVars.fprocess when envProcess is empty', async () => {
    const s = { ...spec, envProcess: undefined, envVars: { fprocess: 'wc -c' } };
    const t = buildReplicaTemplate(s, await new HostRuntimeResolver().resolve(s), settings);
    expect(t.env.fprocess).toBe('wc -c');
  });

  it('changes the fingerprint when anything the process sees changes, and only then', async () => {
    const runtime = await new HostRuntimeResolver().resolve(spec);
    const a = buildReplicaTemplate(spec, runtime, settings);
    expect(buildReplicaTemplate({ ...spec, labels: { x: 'y' } }, runtime, settings).fingerprint).toBe(a.fingerprint);
    expect(buildReplicaTemplate({ ...spec, envVars: { mode: 'http' } }, runtime, settings).fingerprint).not.toBe(a.fingerprint);
    expect(buildReplicaTemplate(spec, { ...runtime, fingerprint: 'bundle:sha256:2' }, settings).fingerprint).not.toBe(a.fingerprint);
  });
});
