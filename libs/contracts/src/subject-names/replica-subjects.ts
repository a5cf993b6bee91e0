import { CallSubjects, logToken } from './call-subjects';

/** Subjects about replicas: their output lines, their lifecycle events and the claims of async calls. */
export class ReplicaSubjects extends CallSubjects {
  /** One line of function output: `<prefix>.logs.<ns>.<fn>.<instance>` (instance made a safe token). */
  functionLog(namespace: string, name: string, instance: string): string {
    return `${this.prefix}.logs.${namespace}.${name}.${logToken(instance)}`;
  }

  /** Log lines of one function, of one of its replicas when `instance` is given. */
  functionLogFilter(namespace: string, name: string, instance?: string): string {
    return `${this.prefix}.logs.${namespace}.${name}.${instance ? logToken(instance) : '*'}`;
  }

  /** Wildcard over every log line (the log stream's subjects). */
  get functionLogAll(): string {
    return `${this.prefix}.logs.>`;
  }

  /** JetStream stream of function output lines, bounded by age and bytes. */
  get logStream(): string {
    return `${this.streamPrefix}_LOGS`;
  }

  /** Splits a log subject into the function and replica it names. */
  functionLogOf(subject: string): { namespace: string; name: string; instance: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 5 || parts[0] !== this.prefix || parts[1] !== 'logs') return undefined;
    return { namespace: parts[2], name: parts[3], instance: parts[4] };
  }

  /**
   * A watchdog announces it is subscribed and can take calls: `<prefix>.evt.replica.ready.<ns>.<fn>.<instance>`.
   * The instance is part of the subject so that a replica's bus user can be allowed to speak for itself only.
   */
  replicaReady(namespace: string, name: string, instance: string): string {
    return `${this.prefix}.evt.replica.ready.${namespace}.${name}.${logToken(instance)}`;
  }

  /** A watchdog announces it has stopped taking calls (it drains, then exits). */
  replicaGone(namespace: string, name: string, instance: string): string {
    return `${this.prefix}.evt.replica.gone.${namespace}.${name}.${logToken(instance)}`;
  }

  /** replica.ready events of every replica of one function. */
  replicaReadyOf(namespace: string, name: string): string {
    return `${this.prefix}.evt.replica.ready.${namespace}.${name}.*`;
  }

  /** replica.gone events of every replica of one function. */
  replicaGoneOf(namespace: string, name: string): string {
    return `${this.prefix}.evt.replica.gone.${namespace}.${name}.*`;
  }

  /** Wildcard over every replica.ready event. */
  get replicaReadyAll(): string {
    return `${this.prefix}.evt.replica.ready.>`;
  }

  /** Wildcard over every replica.gone event. */
  get replicaGoneAll(): string {
    return `${this.prefix}.evt.replica.gone.>`;
  }

  /**
   * The provider saw a replica's process end (it supervises it; the replica cannot send this):
   * `<prefix>.evt.replica.exited.<ns>.<fn>.<instance>` (instance made a safe token).
   */
  replicaExited(namespace: string, name: string, instance: string): string {
    return `${this.prefix}.evt.replica.exited.${namespace}.${name}.${logToken(instance)}`;
  }

  /** Wildcard over every replica.exited event. */
  get replicaExitedAll(): string {
    return `${this.prefix}.evt.replica.exited.>`;
  }

  /** Splits a replica.exited subject into the function and the replica (as a token) it names. */
  replicaExitedOf(subject: string): { namespace: string; name: string; instance: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 7 || parts[0] !== this.prefix || parts[3] !== 'exited') return undefined;
    return { namespace: parts[4], name: parts[5], instance: parts[6] };
  }

  /**
   * Where a replica says it took a call (data: its instance), when the caller asked with
   * `Skiff-Claim`: `<prefix>.claim.<ns>.<fn>.<claimant>.<token>`. A replica may publish under its own
   * function's `<prefix>.claim.<ns>.<fn>.` only; the claimant (one queue-worker process) listens.
   */
  callClaim(namespace: string, name: string, claimant: string, token: string): string {
    return `${this.prefix}.claim.${namespace}.${name}.${claimant}.${token}`;
  }

  /** What the replicas of one function may publish claims under. */
  callClaimPrefix(namespace: string, name: string): string {
    return `${this.prefix}.claim.${namespace}.${name}.`;
  }

  /** Every claim sent to one claimant. */
  callClaimsOf(claimant: string): string {
    return `${this.prefix}.claim.*.*.${claimant}.*`;
  }

  /** Splits a claim subject. */
  callClaimOf(subject: string): { namespace: string; name: string; claimant: string; token: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 6 || parts[0] !== this.prefix || parts[1] !== 'claim') return undefined;
    return { namespace: parts[2], name: parts[3], claimant: parts[4], token: parts[5] };
  }

  /** Splits a replica event subject into the function and the replica token it names. */
  replicaEventOf(subject: string): { kind: string; namespace: string; name: string; instance: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 7 || parts[0] !== this.prefix || parts[1] !== 'evt' || parts[2] !== 'replica') return undefined;
    return { kind: parts[3], namespace: parts[4], name: parts[5], instance: parts[6] };
  }
}
