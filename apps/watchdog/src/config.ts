import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DEFAULT_NAMESPACE, isDnsLabel } from '@skiff/contracts/names';
import { resolveSubjectPrefix } from '@skiff/contracts/prefix';
import { parseDurationMs } from '@skiff/contracts/duration';

/** How the watchdog runs the function. */
export type WatchdogMode = 'classic' | 'http' | 'inproc' | 'streaming';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Effective configuration of one replica, read once from the environment. */
export interface WatchdogConfig {
  /** How the function runs. */
  mode: WatchdogMode;
  /** Command line of the function process (`fprocess` / `function_process`); empty when none. */
  fprocess: string;
  /** http mode: a pinned upstream (`upstream_url` / `http_upstream_url`); otherwise a free port is picked. */
  upstreamUrl?: string;
  /** Hard limit of one call in ms; 0 = none. */
  execTimeoutMs: number;
  /** HTTP read timeout in ms (health listener). */
  readTimeoutMs: number;
  /** HTTP write timeout in ms; also how long shutdown waits for in-flight calls. */
  writeTimeoutMs: number;
  /** Concurrent calls allowed; 0 = unlimited. */
  maxInflight: number;
  /** classic: forced response Content-Type; otherwise the request's is echoed. */
  contentType?: string;
  /** classic: stderr is part of the response body. */
  combineOutput: boolean;
  /** inproc: absolute path of the handler module. */
  handlerModule: string;
  /** inproc: hand the body to the handler as a Buffer, never parsed. */
  rawBody: boolean;
  /** NATS server URL(s). */
  natsUrl: string;
  /**
   * Where this replica's NATS credentials come from: an inherited descriptor the provider writes them
   * to (`SKIFF_NATS_CREDS_FD`, read once and closed), or a `.creds` file (`SKIFF_NATS_CREDS`, e.g. a
   * mounted secret), or the bytes themselves (a pooled watchdog gets them in its adoption message);
   * none on an open bus.
   */
  natsCreds?: { fd: number } | { file: string } | { data: Uint8Array };
  /** Subject prefix of the platform. */
  subjectPrefix: string;
  /** Function name. */
  functionName: string;
  /** Function namespace. */
  namespace: string;
  /** Replica id. */
  instance: string;
  /**
   * Host pid of the replica as its supervisor sees it (SKIFF_REPLICA_PID, set by the local
   * backend's wrapper: inside the sandbox's pid namespace process.pid is a small local number).
   */
  hostPid: number;
  /** Port of the health listener; 0 = ephemeral; undefined = no listener. */
  port?: number;
  /** Drain and exit when stdin closes (set by the local provider). */
  exitOnStdinClose: boolean;
  /** Lowest level logged. */
  logLevel: LogLevel;
  /** Ship function output lines to the platform's log stream (`SKIFF_FUNCTION_LOGS`, default on). */
  shipLogs: boolean;
  /**
   * Also write function output lines on stdout (`SKIFF_FUNCTION_LOGS_STDOUT`, default on: container
   * logs show them). Off, and shipping on, stdout only gets the watchdog's own lines and, on a failed
   * exit, the function's last lines; without shipping, function lines always go to stdout.
   */
  functionLogsStdout: boolean;
  /** Most function output lines held while NATS is slow or away; more are dropped and counted. */
  logBufferLines: number;
  /** Largest request body pulled from a caller (`SKIFF_MAX_BODY_BYTES`, default 32 MiB). */
  maxBodyBytes: number;
  /**
   * A file that exists while the replica takes calls (`SKIFF_LOCK_FILE`, e.g. `/tmp/.lock` as the
   * OpenFaaS watchdogs write): a container health check tests for it. None by default.
   */
  lockFile?: string;
  /** Set for a pooled watchdog: when (ms since the process started) it was given its function. Not from the environment. */
  adoptedMs?: number;
  /** Set for a pooled watchdog: when (ms since the process started) it had loaded its code and began waiting. Not from the environment. */
  pooledMs?: number;
}

/** Every problem of a watchdog environment, in one error. */
export class WatchdogConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid watchdog configuration: ${problems.join('; ')}`);
  }
}

type Env = Record<string, string | undefined>;

const DEFAULT_TIMEOUT_MS = 30_000;
/** Default max_inflight of the fork modes (classic, streaming); the others default to unlimited. */
export const FORK_MAX_INFLIGHT = 64;
/** The other services use pino's level names; the watchdog logger has fewer levels. */
const PINO_LEVELS: Record<string, LogLevel> = { trace: 'debug', fatal: 'error' };
const MODES: Record<string, WatchdogMode> = {
  classic: 'classic',
  serializing: 'classic',
  http: 'http',
  inproc: 'inproc',
  streaming: 'streaming',
};

/** Where the credentials come from; a descriptor wins over a file. */
function credsSource(fd: string | undefined, file: string | undefined, problems: string[]): WatchdogConfig['natsCreds'] {
  if (fd !== undefined) {
    if (/^\d+$/.test(fd) && Number(fd) > 2) return { fd: Number(fd) };
    problems.push(`SKIFF_NATS_CREDS_FD "${fd}" must be a file descriptor number above 2`);
    return undefined;
  }
  return file ? { file } : undefined;
}

/** Reads the watchdog configuration from `env` (OpenFaaS names plus `SKIFF_*`); throws WatchdogConfigError. */
export function loadWatchdogConfig(env: Env, cwd = process.cwd(), randomHex = () => randomBytes(3).toString('hex')): WatchdogConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v === '' ? undefined : v;
  };

  const duration = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const ms = parseDurationMs(raw);
    if (ms === undefined) problems.push(`${name} "${raw}" is not a duration (seconds, or Go style like 1m5s / 500ms)`);
    return ms ?? fallback;
  };

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} "${raw}" must be true, false, 1 or 0`);
    return fallback;
  };

  // Bridge mode: a stock OpenFaaS watchdog serves the function on SKIFF_BRIDGE_UPSTREAM; mode,
  // fprocess and upstream_url are its settings then, not ours, so they are left for it to read.
  const bridge = get('SKIFF_BRIDGE_UPSTREAM');
  const rawMode = bridge ? 'http' : (get('mode') ?? 'classic').toLowerCase();
  const mode = MODES[rawMode];
  if (!mode) problems.push(`mode "${rawMode}" is not supported: use classic (alias serializing), streaming, http or inproc`);

  const fprocess = bridge ? (get('SKIFF_BRIDGE_COMMAND') ?? '') : (get('function_process') ?? get('fprocess') ?? '');
  const upstreamUrl = bridge ?? get('http_upstream_url') ?? get('upstream_url');
  const upstreamName = bridge ? 'SKIFF_BRIDGE_UPSTREAM' : 'upstream_url';
  if ((mode === 'classic' || mode === 'streaming') && !fprocess)
    problems.push(`fprocess (or function_process) is required in ${mode} mode`);
  if (mode === 'http' && !fprocess && !upstreamUrl)
    problems.push('fprocess (or function_process) or upstream_url is required in http mode');
  if (upstreamUrl && !/^https?:\/\/[^/\s]+\/?$/.test(upstreamUrl)) {
    problems.push(`${upstreamName} "${upstreamUrl}" must be an http:// origin such as http://127.0.0.1:5000`);
  }

  const execTimeoutMs = duration('exec_timeout', DEFAULT_TIMEOUT_MS);
  const readTimeoutMs = duration('read_timeout', DEFAULT_TIMEOUT_MS);
  const writeTimeoutMs = duration('write_timeout', DEFAULT_TIMEOUT_MS);
  if (writeTimeoutMs === 0) problems.push('write_timeout must be greater than 0');

  // Fork modes start a process per call: by default at most FORK_MAX_INFLIGHT at once per replica
  // (429 beyond, so the gateway tries another replica), well below the replica's pids limit. An
  // explicit 0 still means unlimited, as in OpenFaaS.
  const rawInflight = get('max_inflight') ?? (mode === 'classic' || mode === 'streaming' ? String(FORK_MAX_INFLIGHT) : '0');
  const maxInflight = /^\d+$/.test(rawInflight) ? Number(rawInflight) : 0;
  if (!/^\d+$/.test(rawInflight)) problems.push(`max_inflight "${rawInflight}" must be a whole number (0 = unlimited)`);

  const functionName = get('SKIFF_FUNCTION_NAME') ?? '';
  if (!isDnsLabel(functionName))
    problems.push(`SKIFF_FUNCTION_NAME "${functionName}" must be a DNS label (lower-case letters, digits, "-")`);
  const namespace = get('SKIFF_FUNCTION_NAMESPACE') ?? DEFAULT_NAMESPACE;
  if (!isDnsLabel(namespace)) problems.push(`SKIFF_FUNCTION_NAMESPACE "${namespace}" must be a DNS label`);

  let subjectPrefix = 'faas';
  try {
    subjectPrefix = resolveSubjectPrefix(env);
  } catch (err) {
    problems.push((err as Error).message);
  }

  // Bridged, the stock watchdog owns :8080.
  const rawPort = (get('SKIFF_WATCHDOG_PORT') ?? (bridge ? '8081' : '8080')).toLowerCase();
  const port = rawPort === 'off' ? undefined : Number(rawPort);
  if (port !== undefined && !(/^\d+$/.test(rawPort) && port <= 65535)) {
    problems.push(`SKIFF_WATCHDOG_PORT "${rawPort}" must be a port number, 0 (ephemeral) or off`);
  }

  const rawLevel = (get('SKIFF_LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevel = PINO_LEVELS[rawLevel] ?? (LOG_LEVELS as readonly string[]).find((l) => l === rawLevel);
  if (!logLevel) problems.push(`SKIFF_LOG_LEVEL "${rawLevel}" must be one of trace, ${LOG_LEVELS.join(', ')}, fatal`);

  const whole = (name: string, fallback: number, min: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min) problems.push(`${name} "${raw}" must be a whole number of at least ${min}`);
    return /^\d+$/.test(raw) ? Math.max(min, Number(raw)) : fallback;
  };

  const config: WatchdogConfig = {
    mode: mode ?? 'classic',
    fprocess,
    upstreamUrl: upstreamUrl?.replace(/\/$/, ''),
    execTimeoutMs,
    readTimeoutMs,
    writeTimeoutMs,
    maxInflight,
    contentType: get('content_type'),
    combineOutput: bool('combine_output', true),
    handlerModule: resolve(cwd, get('handler_module') ?? './handler.js'),
    rawBody: bool('RAW_BODY', false),
    natsUrl: get('SKIFF_NATS_URL') ?? 'nats://127.0.0.1:4222',
    natsCreds: credsSource(get('SKIFF_NATS_CREDS_FD'), get('SKIFF_NATS_CREDS'), problems),
    subjectPrefix,
    functionName,
    namespace,
    instance: get('SKIFF_INSTANCE') ?? `${functionName}-${randomHex()}`,
    hostPid: /^[1-9][0-9]*$/.test(get('SKIFF_REPLICA_PID') ?? '') ? Number(get('SKIFF_REPLICA_PID')) : process.pid,
    port,
    exitOnStdinClose: bool('SKIFF_EXIT_ON_STDIN_CLOSE', false),
    logLevel: (logLevel as LogLevel) ?? 'info',
    shipLogs: bool('SKIFF_FUNCTION_LOGS', true),
    functionLogsStdout: bool('SKIFF_FUNCTION_LOGS_STDOUT', true),
    logBufferLines: whole('SKIFF_LOG_BUFFER_LINES', 10_000, 1),
    maxBodyBytes: whole('SKIFF_MAX_BODY_BYTES', 32 * 1024 * 1024, 1024),
    lockFile: get('SKIFF_LOCK_FILE'),
  };
  if (problems.length) throw new WatchdogConfigError(problems);
  return config;
}
