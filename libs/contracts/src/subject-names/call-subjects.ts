import type { EventName, QueueGroups, RpcName } from './bus-names';

/** Subjects of a call and of the bus users' inboxes: RPC, events, invoke, body pulls, cancel, queue groups. */
export class CallSubjects {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** The first token of every subject (`faas`). */
  get prefix(): string {
    return this.#prefix;
  }

  /** Upper-case form used for JetStream stream names (`FAAS_LOGS`). */
  get streamPrefix(): string {
    return this.prefix.toUpperCase().replace(/-/g, '_');
  }

  /** Wire subject of a request/reply name. */
  rpc(name: RpcName): string {
    return `${this.prefix}.${name}`;
  }

  /** Wire subject of a fixed-subject event. */
  event(name: EventName): string {
    return `${this.prefix}.${name}`;
  }

  /** Sync invocation of one function; its watchdogs answer in one queue group. */
  invoke(namespace: string, name: string): string {
    return `${this.prefix}.invoke.${namespace}.${name}`;
  }

  /**
   * Where a caller serves a large request body for the replica to pull (`Skiff-Body-Pull`):
   * `<prefix>.pull.<ns>.<fn>.<token>`, so a replica's user may pull its own function's bodies only.
   */
  bodyPull(namespace: string, name: string, token: string): string {
    return `${this.prefix}.pull.${namespace}.${name}.${token}`;
  }

  /** Every body-pull subject of one function (what a replica of it may publish to). */
  bodyPullOf(namespace: string, name: string): string {
    return `${this.prefix}.pull.${namespace}.${name}.>`;
  }

  /** Every body-pull subject (what callers serve). */
  get bodyPullAll(): string {
    return `${this.prefix}.pull.>`;
  }

  /** Cancels calls of one function; every replica listens (data: the call's `Skiff-Call` token). */
  invokeCancel(namespace: string, name: string): string {
    return `${this.prefix}.invoke-cancel.${namespace}.${name}`;
  }

  /**
   * Inbox prefix of one bus user (`_I.<prefix>.<owner>`): every connection uses its own instead of
   * `_INBOX`, so that a user can be allowed to receive its own replies and nobody else's.
   */
  inboxPrefix(owner: string): string {
    return `_I.${this.prefix}.${logToken(owner)}`;
  }

  /**
   * Inbox prefix of one replica (`_I.<prefix>.r.<ns>.<fn>.<instance>`): scoped by function, so a bus
   * user shared by every replica of one function (the kubernetes backend's) receives that function's replies only.
   */
  replicaInboxPrefix(namespace: string, name: string, instance: string): string {
    return `_I.${this.prefix}.r.${namespace}.${name}.${logToken(instance)}`;
  }

  /** The inbox prefixes of every replica of one function (`_I.<prefix>.r.<ns>.<fn>.*`). */
  replicaInboxesOf(namespace: string, name: string): string {
    return `_I.${this.prefix}.r.${namespace}.${name}.*`;
  }

  /** Every inbox of this platform's users. */
  get inboxAll(): string {
    return `_I.${this.prefix}.>`;
  }

  /** Every inbox of this platform's replicas. */
  get replicaInboxAll(): string {
    return `_I.${this.prefix}.r.>`;
  }

  /** Queue groups. */
  get queues(): QueueGroups {
    return {
      provider: `${this.prefix}-provider`,
      scaler: `${this.prefix}-scaler`,
      invoke: (namespace, name) => `${this.prefix}.invoke.${namespace}.${name}`,
    };
  }
}

/** A replica id as one subject token (NATS wildcards, dots and spaces become `_`). */
export function logToken(instance: string): string {
  return instance.replace(/[.*>\s]/g, '_') || '_';
}
