import { NatsConnection, ObjectInfo, ObjectStore } from 'nats';
import { jetStreamLimits } from '@skiff/config/jetstream-limits.env';
import { openObjectStore } from '@skiff/nats/stream-limits';
import { BUNDLE_DIGEST_META, BundleInfo } from '@skiff/contracts/bundles';
import type { SubjectRegistry } from '@skiff/contracts/subjects';

/** Opens (creating when missing) the JetStream object store of function bundles (file storage, SKIFF_BUNDLES_MAX_BYTES). */
export function openBundleStore(nc: NatsConnection, subjects: SubjectRegistry): Promise<ObjectStore> {
  return openObjectStore(nc, subjects.bundlesStore, { max_bytes: jetStreamLimits().bundlesBytes });
}

/** A stored object as the API lists it; undefined for deleted objects or ones not put by skiff push. */
export function bundleInfoOf(info: ObjectInfo | null | undefined): BundleInfo | undefined {
  const digest = info?.metadata?.[BUNDLE_DIGEST_META];
  if (!info || info.deleted || !digest) return undefined;
  return { image: info.name, digest, size: info.size, created: info.mtime };
}
