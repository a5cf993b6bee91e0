import { resolveSubjectPrefix } from './prefix';

/**
 * Request/reply subjects served by a platform service, named without the prefix.
 * The wire subject is `<prefix>.<name>`.
 */
export const RPC = {
  /** Deploy a new function (FunctionDeployment → FunctionStatus). */
  functionDeploy: 'provider.function.deploy',
  /** Replace a function's spec (FunctionDeployment → FunctionStatus). */
  functionUpdate: 'provider.function.update',
  /** Delete a function (DeleteFunctionRequest → FunctionRef). */
  functionDelete: 'provider.function.delete',
  /** List functions of one namespace (FunctionListRequest → FunctionStatus[]). */
  functionList: 'provider.function.list',
  /** One function's status (FunctionRef → FunctionStatus). */
  functionGet: 'provider.function.get',
  /** Set desired replicas (ScaleServiceRequest → FunctionStatus). */
  functionScale: 'provider.function.scale',
  /** Namespaces that hold functions (empty → string[]). */
  namespaceList: 'provider.namespace.list',
  /** Provider name, orchestration and version (empty → ProviderInfo). */
  providerInfo: 'provider.info',
  /** CPU use per function, measured by the backend (empty → FunctionUsage[]). */
  functionUsage: 'provider.function.usage',
  /** Scale a function from zero to its minimum (FunctionRef → WakeResult). */
  scalerWake: 'scaler.wake',
  /** Set desired replicas through the scaler (FunctionScaleRequest → FunctionStatus). */
  scalerScale: 'scaler.scale',
  /** Secret names of one namespace, never values (SecretListRequest → SecretSummary[]). */
  secretList: 'provider.secret.list',
  /** The provider's key secret values are sealed to before they cross the bus (empty → SecretTransportKey). */
  secretTransportKey: 'provider.secret.transport-key',
  /** Create a secret; 409 when it exists (Secret → SecretSummary). */
  secretCreate: 'provider.secret.create',
  /** Replace a secret's value; 404 when missing (Secret → SecretSummary). */
  secretUpdate: 'provider.secret.update',
  /** Delete a secret; 404 when missing (Secret → SecretSummary). */
  secretDelete: 'provider.secret.delete',
  /** One namespace; 404 when unknown (NamespaceRef → FunctionNamespace). */
  namespaceGet: 'provider.namespace.get',
  /** Create a namespace; 409 when it exists (FunctionNamespace → FunctionNamespace). */
  namespaceCreate: 'provider.namespace.create',
  /** Replace a namespace's labels and annotations (FunctionNamespace → FunctionNamespace). */
  namespaceUpdate: 'provider.namespace.update',
  /** Delete an empty namespace; 409 while it holds functions or secrets (NamespaceRef → NamespaceRef). */
  namespaceDelete: 'provider.namespace.delete',
} as const;

/** Names of the request/reply subjects. */
export type RpcName = (typeof RPC)[keyof typeof RPC];

/** Broadcast events with a fixed subject, named without the prefix. */
export const EVENTS = {
  /** A function was registered (FunctionChangedEvent). */
  functionDeployed: 'evt.function.deployed',
  /** A function's spec changed (FunctionChangedEvent). */
  functionUpdated: 'evt.function.updated',
  /** A function was removed (FunctionChangedEvent). */
  functionDeleted: 'evt.function.deleted',
  /** A function's desired replica count changed (FunctionChangedEvent). */
  functionScaled: 'evt.function.scaled',
  /** One process's per-function call aggregate of the last second (InvocationStatsEvent). */
  invocations: 'evt.invocations',
  /** An AlertManager webhook received by a gateway (AlertManagerPayload). */
  alert: 'evt.alert',
  /** The scaler changed a function's desired replicas (ScaleDecisionEvent). */
  scaleDecision: 'evt.scale.decision',
} as const;

/** Names of the fixed-subject events. */
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Queue group names, so exactly one replica of a service handles each request. */
export interface QueueGroups {
  /** Every provider replica joins this group for its RPC subjects. */
  provider: string;
  /** Every scaler replica joins this group for its RPC subjects and the invocation counters. */
  scaler: string;
  /** The queue group of one function's watchdogs. */
  invoke(namespace: string, name: string): string;
}

/**
 * Every subject, stream and bucket name of one platform instance, derived from one prefix.
 * Nothing outside this library spells a subject.
 */
export class SubjectRegistry {
  /** Upper-case form used for JetStream stream names (`FAAS_LOGS`). */
  readonly streamPrefix: string;

  constructor(readonly prefix: string) {
    this.streamPrefix = prefix.toUpperCase().replace(/-/g, '_');
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

  /** JetStream KV bucket holding the function registry (the provider is its only writer). */
  get functionsBucket(): string {
    return `${this.streamPrefix}_functions`;
  }

  /** JetStream KV bucket of cumulative invocation counts per function (key as the registry's). */
  get invocationsBucket(): string {
    return `${this.streamPrefix}_invocations`;
  }

  /** JetStream KV bucket of secrets, key `<ns>.<name>`, values encrypted by the provider (its only reader and writer). */
  get secretsBucket(): string {
    return `${this.streamPrefix}_secrets`;
  }

  /**
   * JetStream KV bucket of leader leases (`provider.<backend>`, `scaler`): whoever holds a key acts,
   * the others stand by. Entries expire after the lease time unless renewed.
   */
  get leasesBucket(): string {
    return `${this.streamPrefix}_leases`;
  }

  /** Leases bucket key of the active provider of one backend. */
  providerLeaseKey(backend: string): string {
    return `provider.${backend}`;
  }

  /** Leases bucket key of the active scaler. */
  get scalerLeaseKey(): string {
    return 'scaler';
  }

  /** JetStream KV bucket of namespaces created through `/system/namespace`, key = namespace. */
  get namespacesBucket(): string {
    return `${this.streamPrefix}_namespaces`;
  }

  /** Secrets bucket key of one secret. */
  secretKey(namespace: string, name: string): string {
    return `${namespace}.${name}`;
  }

  /** Registry key of one function. */
  functionKey(namespace: string, name: string): string {
    return `${namespace}.${name}`;
  }

  /** Async call of one function, stored in the async stream (`<prefix>.async.<ns>.<fn>`). */
  asyncCall(namespace: string, name: string): string {
    return `${this.prefix}.async.${namespace}.${name}`;
  }

  /** Wildcard over every async call subject (the async stream's subjects). */
  get asyncCallAll(): string {
    return `${this.prefix}.async.>`;
  }

  /** JetStream stream (file storage) holding accepted async calls until a queue-worker finishes them. */
  get asyncStream(): string {
    return `${this.streamPrefix}_ASYNC`;
  }

  /** Durable pull consumer of one function on the async stream (names of two DNS labels joined by `_` never clash). */
  asyncConsumer(namespace: string, name: string): string {
    return `fn_${namespace}_${name}`;
  }

  /** A finished call's callback waiting for delivery. */
  asyncCallback(namespace: string, name: string): string {
    return `${this.prefix}.callback.${namespace}.${name}`;
  }

  /** Wildcard over every callback subject (the callback stream's subjects). */
  get asyncCallbackAll(): string {
    return `${this.prefix}.callback.>`;
  }

  /** JetStream stream of callbacks, so a callback retry never re-runs the function. */
  get asyncCallbackStream(): string {
    return `${this.streamPrefix}_CALLBACKS`;
  }

  /** Durable consumer shared by every queue-worker replica for callback delivery. */
  get asyncCallbackConsumer(): string {
    return 'callbacks';
  }

  /** A call that ran out of attempts (or could not run at all). */
  asyncDeadLetter(namespace: string, name: string): string {
    return `${this.prefix}.dead.${namespace}.${name}`;
  }

  /** Wildcard over every dead letter (the dead-letter stream's subjects). */
  get asyncDeadLetterAll(): string {
    return `${this.prefix}.dead.>`;
  }

  /** Dead letters of one function, of one namespace (`name` omitted), or all (both omitted). */
  asyncDeadLetterFilter(namespace?: string, name?: string): string {
    if (!namespace) return this.asyncDeadLetterAll;
    return name ? this.asyncDeadLetter(namespace, name) : `${this.prefix}.dead.${namespace}.*`;
  }

  /** JetStream stream of dead letters, kept until replayed or deleted. */
  get asyncDeadLetterStream(): string {
    return `${this.streamPrefix}_DEAD_LETTERS`;
  }

  /** JetStream KV bucket of async call states and results (TTL from configuration). */
  get asyncResultsBucket(): string {
    return `${this.streamPrefix}_async_results`;
  }

  /**
   * A call's key in the results bucket, also its `Nats-Msg-Id` in the async stream: call ids are
   * scoped per function (`<ns>.<fn>.<id>`), so one function's caller can never touch another's call.
   */
  asyncCallKey(namespace: string, name: string, callId: string): string {
    return `${namespace}.${name}.${callId}`;
  }

  /** Key filter of every function's call with this id (status and cancel by id alone). */
  asyncCallKeysOf(callId: string): string {
    return `*.*.${callId}`;
  }

  /**
   * JetStream object store (file storage) of async call bodies too large for one NATS message, one
   * object per accepted call (named in the call's `Skiff-Body-Ref` header).
   */
  get asyncBodiesStore(): string {
    return `${this.streamPrefix}_async_bodies`;
  }

  /** JetStream object store holding function bundles (`skiff push`), one object per image name. */
  get bundlesStore(): string {
    return `${this.streamPrefix}_bundles`;
  }

  /** A message on a topic (`<prefix>.topic.<topic>`; the topic may hold dots). */
  topic(topic: string): string {
    return `${this.prefix}.topic.${topic}`;
  }

  /** Wildcard over every topic (the topic stream's subjects). */
  get topicAll(): string {
    return `${this.prefix}.topic.>`;
  }

  /** JetStream stream (file storage, work queue) capturing every topic message until it is fanned out. */
  get topicStream(): string {
    return `${this.streamPrefix}_TOPICS`;
  }

  /** Durable consumer of the topic stream shared by every queue-worker replica (the topic router). */
  get topicRouterConsumer(): string {
    return 'topic-router';
  }

  /**
   * The provider's "verify webhook signature" request/reply (raw body as data, metadata in headers:
   * see WEBHOOK_VERIFY_HEADERS); every provider replica answers in the provider queue group.
   */
  get webhookVerify(): string {
    return `${this.prefix}.provider.webhook.verify`;
  }

  /** The topic a topic subject names, or undefined for another subject. */
  topicOf(subject: string): string | undefined {
    const head = `${this.prefix}.topic.`;
    return subject.startsWith(head) && subject.length > head.length ? subject.slice(head.length) : undefined;
  }

  /** Splits an async, callback or dead-letter subject into the function it names. */
  asyncFunctionOf(subject: string): { namespace: string; name: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 4 || parts[0] !== this.prefix) return undefined;
    return { namespace: parts[2], name: parts[3] };
  }
}

/** A replica id as one subject token (NATS wildcards, dots and spaces become `_`). */
export function logToken(instance: string): string {
  return instance.replace(/[.*>\s]/g, '_') || '_';
}

/** The registry of this process, from `SKIFF_SUBJECT_PREFIX` (default `faas`). */
export const subjects = new SubjectRegistry(resolveSubjectPrefix());
