import {
  JetStreamClient,
  JetStreamManager,
  KV,
  KvOptions,
  NatsConnection,
  NatsError,
  ObjectStore,
  ObjectStoreOptions,
  StorageType,
  StreamConfig,
  StreamInfo,
} from 'nats';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';
import { jetStreamLimits } from '@skiff/config';
import { isJetStreamError } from './jetstream-errors';

/** Stream settings a service may bring an existing stream to (never retention, storage or subjects). */
const ADJUSTABLE = [
  'max_bytes',
  'max_msgs_per_subject',
  'discard',
  'discard_new_per_subject',
  'max_age',
  'duplicate_window',
  'allow_direct',
  'num_replicas',
] as const;
type Adjustable = Pick<StreamConfig, (typeof ADJUSTABLE)[number]>;

/**
 * Creates a stream with `config`, or brings an existing one to its adjustable limits (max_bytes,
 * per-subject cap, discard policy, max age, duplicate window, replicas: SKIFF_JS_REPLICAS unless
 * given). Idempotent; safe when several services race to create it.
 */
export async function ensureStream(jsm: JetStreamManager, streamConfig: Partial<StreamConfig> & { name: string }): Promise<StreamInfo> {
  const config = { num_replicas: jetStreamLimits().replicas, ...streamConfig };
  try {
    return await adjustStream(jsm, config.name, config);
  } catch (err) {
    if (!isJetStreamError(err, 'streamNotFound')) throw err;
  }
  try {
    return await jsm.streams.add(config);
  } catch (err) {
    // Another process created it between our check and add.
    return jsm.streams.info(config.name).catch(() => Promise.reject(reservationError(err, config.name, config.max_bytes)));
  }
}

/** JetStream reserves max_bytes up front: say which store and limits when the server has no room for it. */
function reservationError(err: unknown, name: string, maxBytes: number | undefined): unknown {
  if (!isJetStreamError(err, 'storageResourcesExceeded')) return err;
  return new Error(
    `JetStream cannot reserve ${maxBytes ?? '?'} bytes for ${name}: the server's JetStream storage (max_file_store) is smaller than the platform's quotas; lower the SKIFF_*_MAX_BYTES variables or give the server more storage (${(err as Error).message})`,
  );
}

/** Brings an existing stream (a KV bucket's `KV_*`, an object store's `OBJ_*`, …) to `limits`. */
export async function adjustStream(jsm: JetStreamManager, name: string, limits: Partial<Adjustable>): Promise<StreamInfo> {
  const info = await jsm.streams.info(name);
  const changed: Partial<Adjustable> = {};
  for (const key of ADJUSTABLE) {
    if (limits[key] !== undefined && info.config[key] !== limits[key]) Object.assign(changed, { [key]: limits[key] });
  }
  if (Object.keys(changed).length === 0) return info;
  return jsm.streams
    .update(name, { ...info.config, ...changed })
    .catch((err) => Promise.reject(reservationError(err, name, limits.max_bytes)));
}

/**
 * Opens (creating when missing) a KV bucket with file storage, last value only, `max_bytes`
 * (SKIFF_KV_MAX_BYTES unless given) and SKIFF_JS_REPLICAS copies, brought to them when it exists.
 */
export async function openKvBucket(nc: NatsConnection, bucket: string, options: Partial<KvOptions> = {}): Promise<KV> {
  const max_bytes = options.max_bytes ?? jetStreamLimits().kvBytes;
  const replicas = jetStreamLimits().replicas;
  const kv = await nc.jetstream().views.kv(bucket, { history: 1, storage: StorageType.File, replicas, ...options, max_bytes });
  await adjustStream(await nc.jetstreamManager(), `KV_${bucket}`, { max_bytes, num_replicas: replicas });
  return kv;
}

/**
 * A JetStream client whose publishes never count as unhandled rejections. nats.js's object store `put`
 * collects each chunk's publish promise and awaits them only once the source is read to its end: when a
 * chunk is refused (store full) while a slow source (a request body still arriving) is being read, that
 * rejection is unhandled for a while, and Node ends the process. The promise is returned as is (put
 * still sees the failure); only the extra handler is attached.
 */
function settledPublishes(js: JetStreamClient): JetStreamClient {
  const guarded = Object.create(js) as JetStreamClient;
  guarded.publish = (...args: Parameters<JetStreamClient['publish']>) => {
    const pending = js.publish(...args);
    pending.catch(() => undefined);
    return pending;
  };
  return guarded;
}

/**
 * Opens (creating when missing) an object store with file storage, `max_bytes` (and `ttl`, in
 * nanoseconds) and SKIFF_JS_REPLICAS copies, brought to them when it exists.
 */
export async function openObjectStore(
  nc: NatsConnection,
  name: string,
  options: Partial<ObjectStoreOptions> & { max_bytes: number },
): Promise<ObjectStore> {
  const replicas = jetStreamLimits().replicas;
  const os = await settledPublishes(nc.jetstream()).views.os(name, { storage: StorageType.File, replicas, ...options });
  await adjustStream(await nc.jetstreamManager(), `OBJ_${name}`, {
    max_bytes: options.max_bytes,
    num_replicas: replicas,
    ...(options.ttl ? { max_age: options.ttl } : {}),
  });
  return os;
}

/**
 * What a failed JetStream write tells about quotas: `queue-full` (a subject's message cap, discard new
 * per subject), `full` (max_bytes or max_msgs of the stream, or the account's storage), or undefined
 * for anything else (server gone, timeout…).
 */
export function storeFailure(err: unknown): 'queue-full' | 'full' | undefined {
  const text = `${(err as NatsError)?.api_error?.description ?? ''} ${(err as Error)?.message ?? ''}`;
  if (/maximum messages per subject exceeded/i.test(text)) return 'queue-full';
  if (/maximum (bytes|messages) exceeded|insufficient (storage )?resources|resource limits exceeded|storage.*exceeded/i.test(text))
    return 'full';
  return undefined;
}

/** A SkiffError for a write refused because `what` is full (507), or undefined when `err` is no quota refusal. */
export function fullStoreError(err: unknown, what: string, limitBytes?: number): SkiffError | undefined {
  if (storeFailure(err) !== 'full') return undefined;
  const limit = limitBytes ? ` (max_bytes ${limitBytes})` : '';
  return new SkiffError(
    ERROR_CODES.storageFull,
    `${what} is full${limit}, nothing was stored: try again later, or ask the operator to raise its limit`,
  );
}
