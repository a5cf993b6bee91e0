import { SubjectRegistry } from './subjects';

/** Who may do what on the bus: the shape of a NATS user's permissions (as in a user JWT). */
export interface BusPermissions {
  /** Subjects the user may publish to (deny wins over allow). */
  pub: { allow: string[]; deny?: string[] };
  /** Subjects the user may subscribe to; `"<subject> <queue>"` allows that queue group only. */
  sub: { allow: string[]; deny?: string[] };
  /** Replies allowed to requests received, without a publish permission for the reply subject. */
  resp?: { max: number; ttlMs: number };
}

/** The platform's services, each a bus user of its own. */
export const PLATFORM_SERVICES = ['provider', 'gateway', 'scaler', 'queue-worker', 'connector-cron', 'connector-webhook'] as const;

/** One of the platform's services. */
export type PlatformService = (typeof PLATFORM_SERVICES)[number];

/** True when `name` is a platform service. */
export function isPlatformService(name: string): name is PlatformService {
  return (PLATFORM_SERVICES as readonly string[]).includes(name);
}

/** Longest a replica may take to answer one call: its reply permission lasts this long (1 hour). */
export const REPLICA_REPLY_TTL_MS = 3_600_000;

/** JetStream resources of one platform, by kind (stream names as JetStream knows them). */
type JetStreamResource =
  | 'logs'
  | 'async'
  | 'callbacks'
  | 'deadLetters'
  | 'topics'
  | 'functions'
  | 'invocations'
  | 'secrets'
  | 'namespaces'
  | 'leases'
  | 'asyncResults'
  | 'asyncBodies'
  | 'bundles'
  | 'metrics';

/** The stream behind each resource, and the subjects a client publishes to directly (KV puts, object chunks). */
function jetStreamResource(s: SubjectRegistry, r: JetStreamResource): { stream: string; subjects: string[] } {
  const kv = (bucket: string) => ({ stream: `KV_${bucket}`, subjects: [`$KV.${bucket}.>`] });
  const os = (store: string) => ({ stream: `OBJ_${store}`, subjects: [`$O.${store}.>`] });
  switch (r) {
    case 'logs':
      return { stream: s.logStream, subjects: [] };
    case 'async':
      return { stream: s.asyncStream, subjects: [] };
    case 'callbacks':
      return { stream: s.asyncCallbackStream, subjects: [] };
    case 'deadLetters':
      return { stream: s.asyncDeadLetterStream, subjects: [] };
    case 'topics':
      return { stream: s.topicStream, subjects: [] };
    case 'functions':
      return kv(s.functionsBucket);
    case 'invocations':
      return kv(s.invocationsBucket);
    case 'secrets':
      return kv(s.secretsBucket);
    case 'namespaces':
      return kv(s.namespacesBucket);
    case 'leases':
      return kv(s.leasesBucket);
    case 'asyncResults':
      return kv(s.asyncResultsBucket);
    case 'asyncBodies':
      return os(s.asyncBodiesStore);
    case 'bundles':
      return os(s.bundlesStore);
    case 'metrics':
      return { stream: s.metricsStream, subjects: [] };
  }
}

/**
 * The JetStream API subjects that manage and use the given streams (create/update/info/purge,
 * consumers, direct and message gets, acks, flow control) — nothing of other platforms' streams.
 */
function jetStreamApi(s: SubjectRegistry, resources: JetStreamResource[]): string[] {
  const out = ['$JS.API.INFO', '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST'];
  for (const r of resources) {
    const { stream, subjects } = jetStreamResource(s, r);
    out.push(
      `$JS.API.STREAM.*.${stream}`,
      `$JS.API.STREAM.MSG.*.${stream}`,
      `$JS.API.DIRECT.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}.>`,
      `$JS.API.CONSUMER.*.${stream}`,
      `$JS.API.CONSUMER.*.${stream}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
      `$JS.ACK.${stream}.>`,
      `$JS.FC.${stream}.>`,
      ...subjects,
    );
  }
  return out;
}

/** Looking only: a stream's info (message counts per subject) and single messages by subject, nothing that changes it. */
function jetStreamReadOnly(s: SubjectRegistry, resources: JetStreamResource[]): string[] {
  return resources.flatMap((r) => {
    const { stream } = jetStreamResource(s, r);
    return [
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}.>`,
    ];
  });
}

/** The async call's streams and stores, opened together wherever async calls are submitted or run. */
const ASYNC_CALLS: JetStreamResource[] = ['async', 'callbacks', 'deadLetters', 'asyncResults', 'asyncBodies'];

/** What each service touches besides its own inbox. */
interface ServiceGrant {
  pub: string[];
  sub: string[];
  jetStream: JetStreamResource[];
  /** Streams it only looks at (stream info, message gets). */
  jetStreamRead?: JetStreamResource[];
}

function serviceGrant(s: SubjectRegistry, service: PlatformService): ServiceGrant {
  const p = s.prefix;
  const providerRpc = `${p}.provider.>`;
  const scalerRpc = `${p}.scaler.>`;
  const events = `${p}.evt.>`;
  switch (service) {
    case 'provider':
      return {
        pub: [events, s.inboxAll],
        sub: [providerRpc, events],
        jetStream: ['functions', 'secrets', 'namespaces', 'logs', 'bundles', 'leases'],
      };
    case 'gateway':
      return {
        pub: [providerRpc, scalerRpc, `${p}.invoke.>`, `${p}.invoke-cancel.>`, s.topicAll, s.asyncCallAll, events, s.inboxAll],
        sub: [s.bodyPullAll, events],
        jetStream: ['functions', 'invocations', ...ASYNC_CALLS, 'logs', 'topics', 'bundles', 'metrics'],
      };
    case 'scaler':
      return {
        // The metrics history's points (it is their only writer).
        pub: [providerRpc, events, s.metricsAll, s.inboxAll],
        sub: [scalerRpc, events],
        jetStream: ['functions', 'invocations', 'leases', 'metrics'],
        // The metrics history samples async queue depth and dead letters.
        jetStreamRead: ['async', 'deadLetters'],
      };
    case 'queue-worker':
      return {
        pub: [
          providerRpc,
          scalerRpc,
          `${p}.invoke.>`,
          `${p}.invoke-cancel.>`,
          s.topicAll,
          s.asyncCallAll,
          s.asyncCallbackAll,
          s.asyncDeadLetterAll,
          events,
          s.inboxAll,
        ],
        // Claims: the replica that took one of this worker's calls says so (callClaimsOf).
        sub: [s.bodyPullAll, events, `${p}.claim.>`],
        jetStream: ['functions', ...ASYNC_CALLS, 'topics'],
      };
    case 'connector-cron':
      return {
        pub: [s.asyncCallAll, events],
        sub: [events],
        jetStream: ['functions', ...ASYNC_CALLS],
      };
    case 'connector-webhook':
      return {
        pub: [s.webhookVerify, s.topicAll],
        sub: [],
        jetStream: ['topics'],
      };
  }
}

/** Permissions of one platform service's bus user: its own subjects, its own inbox, its own prefix's streams. */
export function servicePermissions(s: SubjectRegistry, service: PlatformService): BusPermissions {
  const grant = serviceGrant(s, service);
  const api = [...jetStreamApi(s, grant.jetStream), ...jetStreamReadOnly(s, grant.jetStreamRead ?? [])];
  return {
    pub: { allow: unique([...grant.pub, ...api]) },
    sub: { allow: unique([...grant.sub, `${s.inboxPrefix(service)}.>`]) },
  };
}

/**
 * Permissions of one function replica: serve its own function's invoke subject in its queue group,
 * hear cancellations of its function's calls, reply to what it was asked, pull its own function's
 * request bodies, claim its function's async calls, publish its own log lines and replica events,
 * receive on its own inbox. No JetStream API, no other subject.
 */
export function replicaPermissions(s: SubjectRegistry, namespace: string, name: string, instance: string): BusPermissions {
  const own = {
    log: s.functionLog(namespace, name, instance),
    ready: s.replicaReady(namespace, name, instance),
    gone: s.replicaGone(namespace, name, instance),
    inbox: s.replicaInboxPrefix(namespace, name, instance),
  };
  return replicaGrant(s, namespace, name, own);
}

/**
 * Permissions shared by every replica of one function, where replicas cannot get users of their own
 * (the kubernetes backend: pods come and go without the provider): the same subjects as
 * replicaPermissions with any instance token of that function, and that function's replica inboxes.
 */
export function functionReplicaPermissions(s: SubjectRegistry, namespace: string, name: string): BusPermissions {
  const any = {
    log: s.functionLogFilter(namespace, name),
    ready: s.replicaReadyOf(namespace, name),
    gone: s.replicaGoneOf(namespace, name),
    inbox: s.replicaInboxesOf(namespace, name),
  };
  return replicaGrant(s, namespace, name, any);
}

function replicaGrant(
  s: SubjectRegistry,
  namespace: string,
  name: string,
  own: { log: string; ready: string; gone: string; inbox: string },
): BusPermissions {
  return {
    pub: { allow: [own.log, own.ready, own.gone, s.bodyPullOf(namespace, name), `${s.callClaimPrefix(namespace, name)}>`] },
    sub: {
      allow: [`${s.invoke(namespace, name)} ${s.queues.invoke(namespace, name)}`, s.invokeCancel(namespace, name), `${own.inbox}.>`],
    },
    resp: { max: 1, ttlMs: REPLICA_REPLY_TTL_MS },
  };
}

/** Permissions of a topic publisher ("publish to NATS directly"): `<prefix>.topic.>` and nothing else. */
export function publisherPermissions(s: SubjectRegistry): BusPermissions {
  return { pub: { allow: [s.topicAll] }, sub: { allow: [] } };
}

/** Permissions of the platform's operator (tests, `nats` CLI): everything of every platform on the account. */
export function adminPermissions(): BusPermissions {
  return { pub: { allow: ['>'] }, sub: { allow: ['>'] } };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
