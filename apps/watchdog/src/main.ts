import { useSubjectPrefix } from '@skiff/contracts/subjects';
import { WatchdogConfig, loadWatchdogConfig } from './config';
import { formatDuration } from './duration';
import { Logger } from './logger';

/** Entry point of one function replica (plain Node: it must start in milliseconds). */
async function main(): Promise<void> {
  let data: Map<string, Buffer> | undefined;
  let adoptedMs: number | undefined;
  let pooledMs: number | undefined;
  if (process.env.SKIFF_POOLED === '1') {
    // A pooled watchdog: load the code every function needs while none is known yet, then wait to
    // be given one. Until then it has no function, no credentials and no secrets.
    await import('./replica');
    await Promise.all([import('./runners/classic.runner'), import('./runners/inproc.runner')]);
    // The provider keeps http-mode functions a pool of their own that also warm up the http forwarding.
    const http = process.env.SKIFF_POOL_WARM === 'http';
    if (http) await import('./runners/http.runner');
    await (await import('./runners/pool-warmup')).warmUpPooledWatchdog(http);
    const { awaitAdoption } = await import('./adoption');
    pooledMs = performance.now();
    data = awaitAdoption();
    if (!data) process.exit(0);
    adoptedMs = performance.now();
  }
  let config: WatchdogConfig;
  try {
    config = loadWatchdogConfig(process.env);
    // The credentials came in the adoption message instead of on a descriptor of their own.
    const creds = data?.get('SKIFF_NATS_CREDS_FD');
    if (creds) config.natsCreds = { data: creds };
    config.adoptedMs = adoptedMs;
    config.pooledMs = pooledMs;
  } catch (err) {
    new Logger('info', { service: 'watchdog', pid: process.pid }).error((err as Error).message);
    process.exit(1);
  }
  const log = new Logger(config.logLevel, {
    service: 'watchdog',
    function: `${config.functionName}.${config.namespace}`,
    instance: config.instance,
  });
  process.stdout.on('error', () => undefined);
  process.on('uncaughtException', (err) => {
    log.error(`Uncaught exception: ${err.stack ?? err.message}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) =>
    log.error(`Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
  );

  log.info(`Watchdog mode: ${config.mode}`, {
    fprocess: config.fprocess || undefined,
    handler_module: config.mode === 'inproc' ? config.handlerModule : undefined,
    exec_timeout: formatDuration(config.execTimeoutMs),
    read_timeout: formatDuration(config.readTimeoutMs),
    write_timeout: formatDuration(config.writeTimeoutMs),
    max_inflight: config.maxInflight,
    pid: process.pid,
  });
  useSubjectPrefix(config.subjectPrefix);
  const { runReplica } = await import('./replica');
  await runReplica(config, log);
}

main().catch((err: Error) => {
  process.stdout.write(
    JSON.stringify({
      level: 'error',
      time: new Date().toISOString(),
      service: 'watchdog',
      msg: `Watchdog failed: ${err.stack ?? err.message}`,
    }) + '\n',
  );
  process.exit(1);
});
