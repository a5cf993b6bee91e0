import { WatchdogConfigError, loadWatchdogConfig } from './config';

const BASE = { SKIFF_FUNCTION_NAME: 'echo', fprocess: 'cat', SKIFF_SUBJECT_PREFIX: 'faas' };
const load = (env: Record<string, string> = {}) => loadWatchdogConfig({ ...BASE, ...env }, '/srv/fn', () => 'abc123');
const problemsOf = (env: Record<string, string | undefined>): string[] => {
  try {
    loadWatchdogConfig(env, '/srv/fn');
  } catch (err) {
    if (err instanceof WatchdogConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('loadWatchdogConfig', () => {
  describe('mode', () => {
    it('defaults to classic', () => expect(load().mode).toBe('classic'));
    it('accepts serializing as classic', () => expect(load({ mode: 'serializing' }).mode).toBe('classic'));
    it('accepts http', () => expect(load({ mode: 'http' }).mode).toBe('http'));
    it('accepts inproc', () => expect(load({ mode: 'inproc' }).mode).toBe('inproc'));
    it('accepts streaming', () => expect(load({ mode: 'streaming' }).mode).toBe('streaming'));
    it('rejects an unknown mode by name', () =>
      expect(problemsOf({ ...BASE, mode: 'afterburn' })[0]).toMatch(/mode "afterburn" is not supported/));
  });

  describe('fprocess', () => {
    it('reads fprocess', () => expect(load().fprocess).toBe('cat'));
    it('prefers function_process', () => expect(load({ function_process: 'wc -c' }).fprocess).toBe('wc -c'));
    it('is required in classic mode', () =>
      expect(problemsOf({ SKIFF_FUNCTION_NAME: 'echo' })).toContain('fprocess (or function_process) is required in classic mode'));
    it('is optional in inproc mode', () => expect(problemsOf({ SKIFF_FUNCTION_NAME: 'echo', mode: 'inproc' })).toEqual([]));
    it('may be left out in http mode with a pinned upstream', () =>
      expect(problemsOf({ SKIFF_FUNCTION_NAME: 'echo', mode: 'http', upstream_url: 'http://127.0.0.1:5000' })).toEqual([]));
  });

  describe('upstream_url', () => {
    it('is unset by default', () => expect(load({ mode: 'http' }).upstreamUrl).toBeUndefined());
    it('reads upstream_url without a trailing slash', () =>
      expect(load({ upstream_url: 'http://127.0.0.1:5000/' }).upstreamUrl).toBe('http://127.0.0.1:5000'));
    it('prefers http_upstream_url', () =>
      expect(load({ upstream_url: 'http://127.0.0.1:5000', http_upstream_url: 'http://127.0.0.1:3000' }).upstreamUrl).toBe(
        'http://127.0.0.1:3000',
      ));
    it('rejects a non-http value', () => expect(problemsOf({ ...BASE, upstream_url: 'localhost:5000' })[0]).toMatch(/upstream_url/));
  });

  describe('bridge mode (SKIFF_BRIDGE_UPSTREAM)', () => {
    // A stock OpenFaaS image's own settings: its watchdog reads them, Skiff's must not.
    const stock = { SKIFF_FUNCTION_NAME: 'figlet', fprocess: 'figlet', mode: 'static', upstream_url: 'http://127.0.0.1:3000' };
    const bridged = { ...stock, SKIFF_BRIDGE_UPSTREAM: 'http://127.0.0.1:8080', SKIFF_BRIDGE_COMMAND: 'fwatchdog' };
    it('proxies to the bridge upstream and starts the bridge command, ignoring the stock settings', () => {
      const c = load(bridged);
      expect([c.mode, c.upstreamUrl, c.fprocess]).toEqual(['http', 'http://127.0.0.1:8080', 'fwatchdog']);
    });
    it('moves its own health port off 8080', () => expect(load(bridged).port).toBe(8081));
    it('needs no command when the stock server runs beside it', () =>
      expect(load({ ...stock, SKIFF_BRIDGE_UPSTREAM: 'http://127.0.0.1:8080' }).fprocess).toBe(''));
    it('rejects a bridge upstream that is not an http origin, by name', () =>
      expect(problemsOf({ ...stock, SKIFF_BRIDGE_UPSTREAM: '127.0.0.1:8080' })[0]).toMatch(/SKIFF_BRIDGE_UPSTREAM/));
    it('without it, the stock mode is refused as before', () => expect(problemsOf(stock)[0]).toMatch(/mode "static"/));
  });

  describe('timeouts', () => {
    it('exec_timeout defaults to 30s', () => expect(load().execTimeoutMs).toBe(30_000));
    it('exec_timeout 0 means none', () => expect(load({ exec_timeout: '0' }).execTimeoutMs).toBe(0));
    it('exec_timeout reads an integer as seconds', () => expect(load({ exec_timeout: '5' }).execTimeoutMs).toBe(5000));
    it('exec_timeout reads a Go duration', () => expect(load({ exec_timeout: '1m5s' }).execTimeoutMs).toBe(65_000));
    it('read_timeout defaults to 30s', () => expect(load().readTimeoutMs).toBe(30_000));
    it('read_timeout reads milliseconds', () => expect(load({ read_timeout: '500ms' }).readTimeoutMs).toBe(500));
    it('write_timeout defaults to 30s', () => expect(load().writeTimeoutMs).toBe(30_000));
    it('write_timeout reads a Go duration', () => expect(load({ write_timeout: '1.5s' }).writeTimeoutMs).toBe(1500));
    it('write_timeout 0 is an error', () =>
      expect(problemsOf({ ...BASE, write_timeout: '0' })).toContain('write_timeout must be greater than 0'));
    it('names an unreadable duration', () =>
      expect(problemsOf({ ...BASE, exec_timeout: 'soon' })[0]).toMatch(/exec_timeout "soon" is not a duration/));
  });

  describe('max_inflight', () => {
    it('defaults to 64 in the fork modes (a process per call) and to 0 (unlimited) otherwise', () => {
      expect(load({ mode: 'classic' }).maxInflight).toBe(64);
      expect(load({ mode: 'streaming' }).maxInflight).toBe(64);
      expect(load({ mode: 'http' }).maxInflight).toBe(0);
      expect(load({ mode: 'inproc' }).maxInflight).toBe(0);
      expect(load({ mode: 'classic', max_inflight: '0' }).maxInflight).toBe(0);
    });
    it('reads a number', () => expect(load({ max_inflight: '4' }).maxInflight).toBe(4));
    it('rejects a negative number', () => expect(problemsOf({ ...BASE, max_inflight: '-1' })[0]).toMatch(/max_inflight/));
  });

  describe('content_type', () => {
    it('is unset by default', () => expect(load().contentType).toBeUndefined());
    it('reads content_type', () => expect(load({ content_type: 'application/json' }).contentType).toBe('application/json'));
  });

  describe('combine_output', () => {
    it('defaults to true', () => expect(load().combineOutput).toBe(true));
    it('reads false', () => expect(load({ combine_output: 'false' }).combineOutput).toBe(false));
    it('rejects a non-boolean', () => expect(problemsOf({ ...BASE, combine_output: 'yes' })[0]).toMatch(/combine_output/));
  });

  describe('handler_module', () => {
    it('defaults to ./handler.js from the working directory', () => expect(load().handlerModule).toBe('/srv/fn/handler.js'));
    it('resolves a relative path from the working directory', () =>
      expect(load({ handler_module: 'lib/fn.js' }).handlerModule).toBe('/srv/fn/lib/fn.js'));
    it('keeps an absolute path', () => expect(load({ handler_module: '/opt/fn.js' }).handlerModule).toBe('/opt/fn.js'));
  });

  describe('RAW_BODY', () => {
    it('defaults to false', () => expect(load().rawBody).toBe(false));
    it('reads true', () => expect(load({ RAW_BODY: 'true' }).rawBody).toBe(true));
  });

  describe('SKIFF_NATS_URL', () => {
    it('defaults to the local server', () => expect(load().natsUrl).toBe('nats://127.0.0.1:4222'));
    it('reads the URL', () => expect(load({ SKIFF_NATS_URL: 'nats://nats:4222' }).natsUrl).toBe('nats://nats:4222'));
  });

  describe('SKIFF_SUBJECT_PREFIX', () => {
    it('defaults to faas', () => expect(loadWatchdogConfig({ SKIFF_FUNCTION_NAME: 'echo', fprocess: 'cat' }).subjectPrefix).toBe('faas'));
    it('reads the prefix', () => expect(load({ SKIFF_SUBJECT_PREFIX: 't1' }).subjectPrefix).toBe('t1'));
    it('rejects a prefix with dots', () => expect(problemsOf({ ...BASE, SKIFF_SUBJECT_PREFIX: 'a.b' })[0]).toMatch(/SKIFF_SUBJECT_PREFIX/));
  });

  describe('SKIFF_FUNCTION_NAME', () => {
    it('reads the name', () => expect(load().functionName).toBe('echo'));
    it('is required', () => expect(problemsOf({ fprocess: 'cat' })[0]).toMatch(/SKIFF_FUNCTION_NAME "" must be a DNS label/));
    it('must be a DNS label', () => expect(problemsOf({ ...BASE, SKIFF_FUNCTION_NAME: 'Echo_1' })[0]).toMatch(/SKIFF_FUNCTION_NAME/));
  });

  describe('SKIFF_FUNCTION_NAMESPACE', () => {
    it('defaults to openfaas-fn', () => expect(load().namespace).toBe('openfaas-fn'));
    it('reads the namespace', () => expect(load({ SKIFF_FUNCTION_NAMESPACE: 'dev' }).namespace).toBe('dev'));
  });

  describe('SKIFF_INSTANCE', () => {
    it('defaults to <name>-<random hex>', () => expect(load().instance).toBe('echo-abc123'));
    it('reads the instance id', () => expect(load({ SKIFF_INSTANCE: 'echo-1' }).instance).toBe('echo-1'));
  });

  describe('SKIFF_WATCHDOG_PORT', () => {
    it('defaults to 8080', () => expect(load().port).toBe(8080));
    it('accepts 0 for an ephemeral port', () => expect(load({ SKIFF_WATCHDOG_PORT: '0' }).port).toBe(0));
    it('accepts off for no listener', () => expect(load({ SKIFF_WATCHDOG_PORT: 'off' }).port).toBeUndefined());
    it('rejects anything else', () => expect(problemsOf({ ...BASE, SKIFF_WATCHDOG_PORT: '70000' })[0]).toMatch(/SKIFF_WATCHDOG_PORT/));
  });

  describe('SKIFF_EXIT_ON_STDIN_CLOSE', () => {
    it('defaults to false', () => expect(load().exitOnStdinClose).toBe(false));
    it('reads 1', () => expect(load({ SKIFF_EXIT_ON_STDIN_CLOSE: '1' }).exitOnStdinClose).toBe(true));
  });

  describe('SKIFF_LOG_LEVEL', () => {
    it('defaults to info', () => expect(load().logLevel).toBe('info'));
    it('maps pino levels', () => expect(load({ SKIFF_LOG_LEVEL: 'trace' }).logLevel).toBe('debug'));
    it('rejects an unknown level', () => expect(problemsOf({ ...BASE, SKIFF_LOG_LEVEL: 'loud' })[0]).toMatch(/SKIFF_LOG_LEVEL/));
  });

  it('reports every problem at once', () => expect(problemsOf({ mode: 'x', max_inflight: 'many' })).toHaveLength(3));
});

describe('loadWatchdogConfig durations', () => {
  // The platform's one grammar (libs/contracts/src/duration.ts): plain seconds may be fractional, as at the gateway.
  it('reads exec_timeout 1.5 as 1.5 s (was fatal here while the gateway accepted it)', () =>
    expect(load({ exec_timeout: '1.5' }).execTimeoutMs).toBe(1500));

  describe('log shipping and body limit', () => {
    it('defaults to shipping logs with a 10000-line buffer and a 32 MiB body limit', () =>
      expect(load()).toMatchObject({ shipLogs: true, functionLogsStdout: true, logBufferLines: 10_000, maxBodyBytes: 32 * 1024 * 1024 }));
    it('reads them', () =>
      expect(
        load({
          SKIFF_FUNCTION_LOGS: 'false',
          SKIFF_FUNCTION_LOGS_STDOUT: 'false',
          SKIFF_LOG_BUFFER_LINES: '50',
          SKIFF_MAX_BODY_BYTES: '2048',
        }),
      ).toMatchObject({
        shipLogs: false,
        functionLogsStdout: false,
        logBufferLines: 50,
        maxBodyBytes: 2048,
      }));
    it('names bad values', () =>
      expect(problemsOf({ ...BASE, SKIFF_LOG_BUFFER_LINES: 'lots', SKIFF_MAX_BODY_BYTES: '10' }).join('; ')).toMatch(
        /SKIFF_LOG_BUFFER_LINES[\s\S]*SKIFF_MAX_BODY_BYTES/,
      ));
    it('requires fprocess in streaming mode', () =>
      expect(problemsOf({ SKIFF_FUNCTION_NAME: 'echo', mode: 'streaming' })).toContain(
        'fprocess (or function_process) is required in streaming mode',
      ));
  });
});
