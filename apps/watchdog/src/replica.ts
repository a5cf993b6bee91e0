import { SubjectRegistry } from '@skiff/contracts/subjects';
import { WatchdogConfig } from './config';
import { FunctionLogSink, StdoutLogSink } from './sinks/function-log.sink';
import { NatsLogSink, TeeLogSink } from './sinks/nats-log.sink';
import { RecentLinesSink } from './sinks/recent-lines.sink';
import { Logger } from './logger';
import { FunctionRunner } from './runners/runner.types';
import { Watchdog } from './watchdog';

/** Loads only the chosen mode's code (undici, for one, costs start-up time the other modes don't need). */
async function createRunner(
  config: WatchdogConfig,
  log: Logger,
  sink: FunctionLogSink,
  fatal: (reason: string) => void,
): Promise<FunctionRunner> {
  switch (config.mode) {
    case 'classic':
      return new (await import('./runners/classic.runner')).ClassicRunner(config, log, sink);
    case 'http':
      return new (await import('./runners/http.runner')).HttpRunner(config, log, sink, fatal);
    case 'inproc':
      return new (await import('./runners/inproc.runner')).InprocRunner(config, log, sink);
    case 'streaming':
      return new (await import('./runners/streaming.runner')).StreamingRunner(config, log, sink);
  }
}

/** Function lines a replica that does not echo them keeps, to show on stdout when it exits on a failure. */
const LAST_WORDS = 20;

/**
 * Where function output goes: the log stream (when shipped) and stdout. With SKIFF_FUNCTION_LOGS_STDOUT
 * off (the local backend, whose provider reads every stdout line) a call writes nothing on stdout: only
 * the last lines are kept, and written there if the process exits with a non-zero code.
 */
function functionSink(config: WatchdogConfig, log: Logger, natsSink: NatsLogSink | undefined): FunctionLogSink {
  const base = { service: 'function', function: `${config.functionName}.${config.namespace}`, instance: config.instance };
  const stdoutSink = new StdoutLogSink(base);
  if (!natsSink) return stdoutSink;
  if (config.functionLogsStdout) return new TeeLogSink([stdoutSink, natsSink]);
  const recent = new RecentLinesSink(LAST_WORDS);
  process.on('exit', (code) => {
    if (code === 0) return;
    log.warn('The function output before this failed exit follows (all of it is in the log stream)');
    recent.replay(new StdoutLogSink(base, 'warn'));
  });
  return new TeeLogSink([natsSink, recent]);
}

/** Runs one replica until SIGTERM/SIGINT (or stdin closing, when asked), then exits the process. */
export async function runReplica(config: WatchdogConfig, log: Logger): Promise<void> {
  const subjects = new SubjectRegistry(config.subjectPrefix);
  const natsSink = config.shipLogs
    ? new NatsLogSink(
        subjects.functionLog(config.namespace, config.functionName, config.instance),
        config.logBufferLines,
        (dropped, reason) => log.warn(`Dropped ${dropped} function log line(s): ${reason}`),
      )
    : undefined;
  const sink = functionSink(config, log, natsSink);
  let started = false;
  let runner: FunctionRunner | undefined;
  let watchdog: Watchdog | undefined;

  let stopping = false;
  const stop = (reason: string, exitCode: number) => {
    // The first reason decides the exit code: an upstream that dies of the same Ctrl-C is no failure.
    if (stopping) return;
    stopping = true;
    if (!started || !watchdog) {
      log.info('Stopped before start-up finished', { reason });
      void Promise.resolve(runner?.stop())
        .catch(() => undefined)
        .finally(() => process.exit(exitCode));
      return;
    }
    void watchdog.stop(reason).finally(() => process.exit(exitCode));
  };
  // Before start-up finished, a failing upstream makes start() reject by itself.
  const fatal = (reason: string) => {
    log.error(reason);
    if (started) stop(reason, 1);
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => (++signals > 1 ? process.exit(1) : stop(signal, 0));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (config.exitOnStdinClose) {
    process.stdin.on('end', () => stop('stdin closed', 0));
    process.stdin.on('error', () => stop('stdin closed', 0));
    process.stdin.resume();
  }

  runner = await createRunner(config, log, sink, fatal);
  watchdog = new Watchdog(config, subjects, runner, log, fatal, natsSink);
  try {
    await watchdog.start();
  } catch (err) {
    log.error(`Watchdog could not start: ${(err as Error).message}`);
    await runner.stop().catch(() => undefined);
    process.exit(1);
  }
  // A signal during start-up already stops the runner and exits.
  if (stopping) return;
  started = true;
  log.info('Watchdog ready', {
    subject: new SubjectRegistry(config.subjectPrefix).invoke(config.namespace, config.functionName),
    healthPort: watchdog.healthPort ?? 'off',
    startupMs: Math.round(performance.now()),
  });
}
