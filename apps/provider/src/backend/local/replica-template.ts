import { FunctionRecord } from '@skiff/contracts';
import { InheritedData, LaunchSpec } from './process-launcher';
import { ReplicaRuntime } from './replica-runtime';
import { watchdogPlatformEnv } from '../watchdog-env';

/** Host variables a replica inherits from the provider; nothing else leaks (no platform credentials). */
export const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL', 'SYSTEMROOT'] as const;

/** What every replica of one function generation shares; the supervisor adds `SKIFF_INSTANCE`. */
export interface ReplicaTemplate extends LaunchSpec {
  /** Equal fingerprints mean "same replicas": no rollout needed. */
  fingerprint: string;
  /** What each replica gets for itself on inherited descriptors (its bus credentials); not in the fingerprint. */
  perReplica?: (instance: string) => InheritedData[];
}

/**
 * Node flags of every watchdog (function processes never get them). A 2 MiB young generation instead
 * of V8's default (which grows to 16 MiB per semi-space under load) keeps a busy replica near its idle
 * size: measured 70-72 MB instead of 91-99 MB after 20,000 in-process or 3,000 classic calls, at the
 * same CPU per call (scripts/bench.js measures the idle size).
 */
export const WATCHDOG_NODE_FLAGS = ['--max-semi-space-size=2'] as const;

/** The arguments that start the built watchdog `entry` with the provider's own Node. */
export function watchdogArgs(entry: string): string[] {
  return [...WATCHDOG_NODE_FLAGS, entry];
}

/** Platform settings the provider hands to each watchdog. */
export interface WatchdogSettings {
  /** Built watchdog entry (run with the provider's own Node). */
  entry: string;
  /** NATS URL(s). */
  natsUrl: string;
  /** Subject prefix. */
  subjectPrefix: string;
  /** Log level. */
  logLevel: string;
  /** The provider's environment, for the INHERITED_ENV subset. */
  hostEnv: NodeJS.ProcessEnv;
}

/**
 * The launch spec of a function's replicas: function envVars first, then `fprocess`, then the
 * platform's `SKIFF_*` variables, which a function cannot override.
 */
export function buildReplicaTemplate(spec: FunctionRecord['spec'], runtime: ReplicaRuntime, settings: WatchdogSettings): ReplicaTemplate {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = settings.hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, runtime.env, spec.envVars ?? {});
  const fprocess = runtime.fprocess || spec.envVars?.fprocess;
  if (fprocess) env.fprocess = fprocess;
  Object.assign(env, {
    ...watchdogPlatformEnv({ natsUrl: settings.natsUrl, prefix: settings.subjectPrefix, logLevel: settings.logLevel }, spec),
    SKIFF_WATCHDOG_PORT: '0',
    SKIFF_EXIT_ON_STDIN_CLOSE: '1',
    // The provider reads every line a replica prints: function output goes only to the log stream
    // (the watchdog prints its last lines if it fails), so a call costs the provider nothing.
    SKIFF_FUNCTION_LOGS_STDOUT: 'false',
  });
  const launch: LaunchSpec = { command: process.execPath, args: watchdogArgs(settings.entry), env, cwd: runtime.cwd };
  return { ...launch, fingerprint: JSON.stringify([launch, runtime.fingerprint]) };
}
