import type { ServerResponse } from 'node:http';
import { ObjectStore, StoredEvent } from './object-store';
import { expired } from './status';

/** One open watch. */
export interface WatchRequest {
  resource: string;
  namespace: string;
  /** The kind and apiVersion of bookmark objects. */
  kind: string;
  apiVersion: string;
  selector: (labels: Record<string, string>) => boolean;
  resourceVersion: string;
  bookmarks: boolean;
  timeoutSeconds?: number;
}

/**
 * A watch as kube-apiserver streams it: HTTP 200, then one JSON object per line
 * (`{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":…}`). From a version older than the
 * history: one ERROR event carrying a 410 Expired Status, then the end of the stream.
 */
export class WatchStream {
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly request: WatchRequest,
    private readonly res: ServerResponse,
    onClose: () => void,
  ) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const since = request.resourceVersion && request.resourceVersion !== '0' ? Number(request.resourceVersion) : undefined;
    const replay = since === undefined ? 'all' : store.since(since, request.resource, request.namespace);
    this.unsubscribe = store.subscribe((e) => this.forward(e));
    res.on('close', () => {
      this.close();
      onClose();
    });
    if (replay === 'expired') {
      this.send({ type: 'ERROR', object: expired(request.resourceVersion, store.compactedThrough) });
      this.close();
      return;
    }
    if (replay === 'all')
      for (const o of store.list(request.resource, request.namespace, request.selector)) this.send({ type: 'ADDED', object: o });
    else for (const e of replay) this.forward(e);
    if (request.timeoutSeconds) setTimeout(() => this.close(), request.timeoutSeconds * 1000).unref();
  }

  /** Sends a bookmark at the store's current version (only to watches that asked for them). */
  bookmark(): void {
    if (!this.request.bookmarks || this.closed) return;
    const { kind, apiVersion } = this.request;
    this.send({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: String(this.store.version) } } });
  }

  /** Ends the watch as the server does when its timeout passes (a clean end of the response). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.res.end();
  }

  /** Sends a 410 ERROR event and ends the watch (the version was compacted while watching). */
  expire(): void {
    this.send({ type: 'ERROR', object: expired(this.request.resourceVersion, this.store.compactedThrough) });
    this.close();
  }

  private forward(e: StoredEvent): void {
    if (e.resource !== this.request.resource || e.namespace !== this.request.namespace) return;
    if (!this.request.selector(e.object.metadata.labels ?? {})) return;
    this.request.resourceVersion = String(e.version);
    this.send({ type: e.type, object: e.object });
  }

  private send(event: unknown): void {
    if (!this.closed) this.res.write(`${JSON.stringify(event)}\n`);
  }
}
