import { Logger } from '@nestjs/common';
import type { KubernetesObject, Watch } from '@kubernetes/client-node';
import { apiReason, apiStatus } from './kube-errors';

/** A list answer (metadata.resourceVersion is where the watch starts). */
export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** What one informer watches. */
export interface InformerOptions<T> {
  /** Collection path, e.g. `/apis/apps/v1/namespaces/openfaas-fn/deployments`. */
  path: string;
  labelSelector: string;
  /** Lists the collection (the typed client's list call, with the same selector). */
  list: () => Promise<ObjectList<T>>;
  watch: Watch;
  /** Called after every change of the view (added, modified, deleted, or a re-list). */
  onChange?: (name: string, object: T | undefined) => void;
  /** Longest pause between retries after errors. */
  maxBackoffMs?: number;
  /** Seconds the server keeps one watch open (it then ends it and the informer resumes from the last version). */
  watchTimeoutSeconds?: number;
}

/**
 * A current view of one collection, as client-go's reflector keeps it: list (which gives a
 * resourceVersion), then watch from that version with bookmarks (which move the version on without
 * changes), resume after the server ends a watch, and list again when the version is too old
 * (410 Gone, as an HTTP status or as an ERROR event). Errors back off and retry; `get` never waits.
 */
export class ResourceInformer<T extends KubernetesObject> {
  private readonly logger = new Logger(ResourceInformer.name);
  private readonly objects = new Map<string, T>();
  private resourceVersion = '';
  private stopped = false;
  private abort?: AbortController;
  private retry?: NodeJS.Timeout;
  private failures = 0;
  private expired = false;
  /** Lists made (the first and every re-list), for health and tests. */
  lists = 0;

  constructor(private readonly options: InformerOptions<T>) {}

  /** Lists once (so the view is complete when it resolves), then keeps watching in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.relist();
    void this.watchNow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.abort?.abort();
    this.abort = undefined;
  }

  get(name: string): T | undefined {
    return this.objects.get(name);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  /** The version the next watch starts from. */
  get version(): string {
    return this.resourceVersion;
  }

  /**
   * Puts an object the backend just wrote into the view, so the next apply compares against it; the
   * watch's own event for the write (or a later one) replaces it. Versions are opaque: no ordering is assumed.
   */
  observe(object: T): void {
    const name = object.metadata?.name;
    if (name) this.objects.set(name, object);
  }

  private async relist(): Promise<void> {
    const list = await this.options.list();
    this.lists++;
    const seen = new Set<string>();
    for (const item of list.items) {
      const name = item.metadata?.name;
      if (!name) continue;
      seen.add(name);
      this.objects.set(name, item);
      this.options.onChange?.(name, item);
    }
    for (const name of [...this.objects.keys()]) {
      if (seen.has(name)) continue;
      this.objects.delete(name);
      this.options.onChange?.(name, undefined);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.expired = false;
  }

  private async watchNow(): Promise<void> {
    if (this.stopped) return;
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: this.options.labelSelector,
      timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
    };
    let events = 0;
    try {
      const controller = await this.options.watch.watch(
        this.options.path,
        query,
        (type: string, object: T) => {
          events++;
          this.onEvent(type, object);
        },
        (err: unknown) => void this.ended(err, events),
      );
      if (this.stopped) controller.abort();
      else this.abort = controller;
    } catch (err) {
      void this.ended(err, events);
    }
  }

  private onEvent(type: string, object: T): void {
    if (type === 'ERROR') {
      const status = object as unknown as { code?: number; message?: string };
      if (status.code === 410) this.expired = true;
      else this.logger.warn({ msg: 'watch error event', path: this.options.path, code: status.code, reason: status.message });
      return;
    }
    const name = object.metadata?.name;
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (type === 'BOOKMARK' || !name) return;
    if (type === 'DELETED') {
      this.objects.delete(name);
      this.options.onChange?.(name, undefined);
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      this.objects.set(name, object);
      this.options.onChange?.(name, object);
    }
    this.failures = 0;
  }

  private async ended(err: unknown, events: number): Promise<void> {
    this.abort = undefined;
    if (this.stopped) return;
    const gone = this.expired || apiStatus(err) === 410;
    if (!err && !gone) {
      // The server ended the watch (its timeout): resume from the last version. A watch that ends
      // at once without any event counts as a failure, so a misbehaving server is not hammered.
      if (events > 0) return this.watchNow();
    }
    if (gone) {
      this.logger.log({ msg: 'watch version expired (410 Gone): listing again', path: this.options.path });
      try {
        await this.relist();
        this.failures = 0;
        return this.watchNow();
      } catch (listErr) {
        err = listErr;
      }
    }
    this.failures++;
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, 250 * 2 ** Math.min(this.failures, 8));
    if (err) this.logger.warn({ msg: `watch failed; retrying in ${delay} ms`, path: this.options.path, reason: apiReason(err) });
    this.retry = setTimeout(() => {
      const next = this.expired || !this.resourceVersion ? this.relist().then(() => this.watchNow()) : this.watchNow();
      next.catch((e: unknown) => this.ended(e, 0));
    }, delay);
    this.retry.unref();
  }
}
