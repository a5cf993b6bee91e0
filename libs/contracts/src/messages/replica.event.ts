/**
 * Payload of `evt.replica.ready.<ns>.<fn>` and `evt.replica.gone.<ns>.<fn>`, published by a watchdog.
 * A plain interface: the watchdog must not load class-validator (it starts in milliseconds).
 */
export interface ReplicaEvent {
  /** Function name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Replica id, unique per process (`<fn>-<random>`). */
  instance: string;
  /** Host process id of the replica as its supervisor sees it (the sandbox; the watchdog itself without one). */
  pid: number;
  /** Host the replica runs on. */
  host: string;
  /** Milliseconds since the watchdog process started (ready) or ran (gone). */
  uptimeMs: number;
  /** On ready: when each start-up step finished, in ms since the process started (cold-start breakdown). */
  startup?: {
    /** Code loaded, start() entered. */
    loadedMs: number;
    /** NATS connection open. */
    connectedMs: number;
    /** Runner ready (http mode: upstream answering). */
    runnerMs: number;
    /** Subscribed and flushed: the replica can take calls. */
    subscribedMs: number;
    /** A pooled watchdog (pre-started, code loaded): when it was given its function. */
    adoptedMs?: number;
    /** A pooled watchdog: when it had loaded its code and began waiting for a function (after adoptedMs: the pool was still starting it). */
    pooledMs?: number;
  };
}

/** Payload of `evt.replica.exited.<ns>.<fn>.<instance>`, published by the provider when a replica's process ends. */
export interface ReplicaExitedEvent {
  /** Function name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Replica id (`SKIFF_INSTANCE` of the process). */
  instance: string;
  /** Why it ended: `stopped`, `killed`, `crashed`, `exited` or `spawn_failed`. */
  reason: string;
  /** Exit code, when it exited. */
  code: number | null;
  /** Signal, when one ended it. */
  signal: string | null;
}
