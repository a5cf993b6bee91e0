import { randomUUID } from 'node:crypto';

/** An object as the fake stores it (JSON, as on the wire). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, kept in the history watches replay from. */
export interface StoredEvent {
  version: number;
  type: EventType;
  resource: string;
  namespace: string;
  object: KubeObject;
}

type Listener = (event: StoredEvent) => void;

/**
 * The fake's etcd: objects by resource/namespace/name, one global revision counter (every write
 * gets the next one as its resourceVersion, as etcd's revision does), and the history of changes a
 * watch replays from. `compact()` forgets the history, so watches from older versions get 410 Gone.
 */
export class ObjectStore {
  private revision = 1000;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();
  /** Versions at or below this are compacted away. */
  compactedThrough = 0;

  get version(): number {
    return this.revision;
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(key(resource, namespace, name));
    return o && structuredClone(o);
  }

  list(resource: string, namespace: string, selector: (labels: Record<string, string>) => boolean): KubeObject[] {
    const prefix = `${resource}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && selector(o.metadata.labels ?? {}))
      .map(([, o]) => structuredClone(o));
  }

  /** Stores a new object: uid, creationTimestamp and the next resourceVersion are set here. */
  create(resource: string, namespace: string, object: KubeObject): KubeObject {
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return this.write(resource, namespace, object, 'ADDED');
  }

  /** Stores a changed object under the next resourceVersion. */
  update(resource: string, namespace: string, object: KubeObject): KubeObject {
    return this.write(resource, namespace, object, 'MODIFIED');
  }

  delete(resource: string, namespace: string, name: string): KubeObject | undefined {
    const k = key(resource, namespace, name);
    const current = this.objects.get(k);
    if (!current) return undefined;
    this.objects.delete(k);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit({ version: this.revision, type: 'DELETED', resource, namespace, object: gone });
    return gone;
  }

  /** Changes since `version` of one collection, or 'expired' when the history no longer reaches back that far. */
  since(version: number, resource: string, namespace: string): StoredEvent[] | 'expired' {
    if (version < this.compactedThrough) return 'expired';
    return this.history.filter((e) => e.version > version && e.resource === resource && e.namespace === namespace);
  }

  /** Forgets the history up to now (etcd compaction). */
  compact(): void {
    this.compactedThrough = this.revision;
    this.history.length = 0;
  }

  /** Moves the revision on without touching this collection (writes elsewhere in the cluster). */
  advance(by: number): void {
    this.revision += by;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(resource: string, namespace: string, object: KubeObject, type: EventType): KubeObject {
    object.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key(resource, namespace, object.metadata.name), structuredClone(object));
    this.emit({ version: this.revision, type, resource, namespace, object: structuredClone(object) });
    return structuredClone(object);
  }

  private emit(event: StoredEvent): void {
    this.history.push(event);
    for (const l of this.listeners) l(event);
  }
}

function key(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}
