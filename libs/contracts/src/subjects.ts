import { SUBJECT_PREFIX_PATTERN } from './prefix';
import { StorageNames } from './subject-names/storage-names';

export * from './subject-names/bus-names';
export { logToken } from './subject-names/call-subjects';

/**
 * Every subject, stream and bucket name of one platform instance, derived from one prefix.
 * Nothing outside this library spells a subject.
 * Split by concern: calls and inboxes (`subject-names/call-subjects.ts`), replicas
 * (`replica-subjects.ts`), buckets and keys (`storage-names.ts`); async calls and topics here.
 */
export class SubjectRegistry extends StorageNames {
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

  /** JetStream stream (file storage, oldest discarded) of the metrics history: per-step points written by the scaler. */
  get metricsStream(): string {
    return `${this.streamPrefix}_METRICS`;
  }

  /** Wildcard over the metrics history (the metrics stream's subjects). */
  get metricsAll(): string {
    return `${this.prefix}.metrics.>`;
  }

  /** One function's metrics history at one step (`<prefix>.metrics.<step>.fn.<ns>.<fn>`). */
  metricsFunction(step: string, namespace: string, name: string): string {
    return `${this.prefix}.metrics.${step}.fn.${namespace}.${name}`;
  }

  /** The whole platform's metrics history at one step (every function added up). */
  metricsPlatform(step: string): string {
    return `${this.prefix}.metrics.${step}.platform`;
  }

  /** Splits an async, callback or dead-letter subject into the function it names. */
  asyncFunctionOf(subject: string): { namespace: string; name: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 4 || parts[0] !== this.prefix) return undefined;
    return { namespace: parts[2], name: parts[3] };
  }
}

/**
 * The registry of the running process, whose prefix is set once at start-up (useSubjectPrefix) from
 * the process's validated configuration, before any module is built. A name asked for before that
 * throws, so no module can capture a subject at import time.
 */
class ProcessSubjectRegistry extends SubjectRegistry {
  #configured: string | undefined;

  constructor() {
    super('');
  }

  override get prefix(): string {
    if (this.#configured === undefined) {
      throw new Error(
        'the subject prefix is not set yet: main.ts sets it from the validated configuration (useSubjectPrefix) before building anything',
      );
    }
    return this.#configured;
  }

  configure(prefix: string): void {
    if (!SUBJECT_PREFIX_PATTERN.test(prefix))
      throw new Error(`subject prefix "${prefix}" is invalid: use 1-32 characters from A-Z, a-z, 0-9, "_" and "-"`);
    if (this.#configured !== undefined && this.#configured !== prefix) {
      throw new Error(`the subject prefix is already "${this.#configured}": one process serves one platform`);
    }
    this.#configured = prefix;
  }
}

const processRegistry = new ProcessSubjectRegistry();

/** The registry of this process (its prefix comes from useSubjectPrefix, called once at start-up). */
export const subjects: SubjectRegistry = processRegistry;

/** Sets the prefix of `subjects` once, from the validated configuration (SKIFF_SUBJECT_PREFIX); returns the registry. */
export function useSubjectPrefix(prefix: string): SubjectRegistry {
  processRegistry.configure(prefix);
  return processRegistry;
}
