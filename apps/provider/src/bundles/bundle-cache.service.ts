import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NatsConnection, ObjectStore } from 'nats';
import { BUNDLE_MANIFEST, BundleManifest, isBundleImage, subjects } from '@skiff/contracts';
import { bundleDigest, bundleInfoOf, extractBundle, openBundleStore, parseManifest, treeDigest, treeStatSignature } from '@skiff/bundles';
import { kvKeys, NATS_CONNECTION, openFunctionsBucket } from '@skiff/nats';
import { PROVIDER_ENV, ProviderEnv } from '../config/provider.env';
import { BUNDLE_CACHE_ENV, BundleCacheEnv } from './bundle-cache.env';

/** What was recorded when a bundle was unpacked: its tree digest and metadata fingerprint. */
interface TreeRecord {
  tree: string;
  stat: string;
}

/** The record of an unpacked bundle directory lives beside it (never inside what replicas see). */
const RECORD_SUFFIX = '.tree.json';
const recordOf = (dir: string) => `${dir}${RECORD_SUFFIX}`;

/** A bundle unpacked on this host. */
export interface UnpackedBundle {
  /** Content digest (`sha256:<hex>`). */
  digest: string;
  /** Directory holding the unpacked bundle (the replicas' working directory). */
  dir: string;
  /** Its `skiff-bundle.json`. */
  manifest: BundleManifest;
}

/**
 * Unpacked bundles under `<SKIFF_DATA_DIR>/bundles/<hex>`: each digest is fetched from the object
 * store and unpacked once (concurrent requests share the work), kept while a function uses it,
 * and removed by a periodic sweep once no function has used it for the grace period. Each reuse
 * checks the directory against the tree digest recorded at unpack time (`<hex>.tree.json`) and
 * unpacks it again when it changed: one function can never change the code another one runs.
 */
@Injectable()
export class BundleCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BundleCache.name);
  private readonly root: string;
  private readonly unpacking = new Map<string, Promise<UnpackedBundle>>();
  /** Digest each function's replicas run, by function key. */
  private readonly inUse = new Map<string, string>();
  /** When a digest stopped being used (or was first seen unused). */
  private readonly releasedAt = new Map<string, number>();
  private store?: Promise<ObjectStore>;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PROVIDER_ENV) providerEnv: ProviderEnv,
    @Inject(BUNDLE_CACHE_ENV) private readonly env: BundleCacheEnv,
  ) {
    this.root = resolve(providerEnv.SKIFF_DATA_DIR, 'bundles');
  }

  onModuleInit(): void {
    this.timer = setInterval(
      () => void this.sweep().catch((err: Error) => this.logger.warn({ msg: 'bundle sweep failed', err: err.message })),
      this.env.SKIFF_BUNDLE_SWEEP_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * The unpacked bundle stored under `image` for function `key`, or undefined when no bundle has
   * that name (the image is then something else, e.g. a host binary's nominal image).
   */
  async forFunction(key: string, image: string): Promise<UnpackedBundle | undefined> {
    if (!isBundleImage(image)) return undefined;
    const store = await this.open();
    const info = bundleInfoOf(await store.info(image));
    if (!info) {
      this.release(key);
      return undefined;
    }
    const bundle = await this.unpack(store, image, info.digest);
    const previous = this.inUse.get(key);
    this.inUse.set(key, bundle.digest);
    this.releasedAt.delete(bundle.digest);
    if (previous && previous !== bundle.digest) this.markReleased(previous);
    return bundle;
  }

  /** Function `key` no longer runs a bundle (removed or redeployed with another image). */
  release(key: string): void {
    const digest = this.inUse.get(key);
    if (!digest) return;
    this.inUse.delete(key);
    this.markReleased(digest);
  }

  /** Removes unpacked bundles no function has used for the grace period; returns the digests removed. */
  async sweep(live?: Set<string>): Promise<string[]> {
    live ??= await this.registeredFunctions();
    for (const key of [...this.inUse.keys()]) if (!live.has(key)) this.release(key);
    if (!existsSync(this.root)) return [];
    const used = new Set(this.inUse.values());
    const now = Date.now();
    const removed: string[] = [];
    const names = await readdir(this.root);
    for (const name of names) {
      if (name.endsWith(RECORD_SUFFIX)) {
        if (!names.includes(name.slice(0, -RECORD_SUFFIX.length))) await rm(join(this.root, name), { force: true });
        continue;
      }
      if (name.includes('.tmp-')) {
        if (!this.unpacking.size) await rm(join(this.root, name), { recursive: true, force: true });
        continue;
      }
      const digest = `sha256:${name}`;
      if (used.has(digest) || this.unpacking.has(digest)) continue;
      const since = this.releasedAt.get(digest);
      if (since === undefined) {
        this.releasedAt.set(digest, now);
        if (this.env.SKIFF_BUNDLE_CACHE_GRACE_MS > 0) continue;
      } else if (now - since < this.env.SKIFF_BUNDLE_CACHE_GRACE_MS) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      await rm(recordOf(join(this.root, name)), { force: true });
      this.releasedAt.delete(digest);
      removed.push(digest);
    }
    if (removed.length) this.logger.log({ msg: 'removed unused bundles', bundles: removed });
    return removed;
  }

  /** Keys of every function in the registry. */
  private async registeredFunctions(): Promise<Set<string>> {
    await openFunctionsBucket(this.nc, subjects);
    return new Set(await kvKeys(this.nc, subjects.functionsBucket));
  }

  private markReleased(digest: string): void {
    if (![...this.inUse.values()].includes(digest)) this.releasedAt.set(digest, Date.now());
  }

  private unpack(store: ObjectStore, image: string, digest: string): Promise<UnpackedBundle> {
    let pending = this.unpacking.get(digest);
    if (!pending) {
      pending = this.fetchAndUnpack(store, image, digest).finally(() => this.unpacking.delete(digest));
      this.unpacking.set(digest, pending);
    }
    return pending;
  }

  private async fetchAndUnpack(store: ObjectStore, image: string, digest: string): Promise<UnpackedBundle> {
    const dir = join(this.root, digest.slice('sha256:'.length));
    if (existsSync(join(dir, BUNDLE_MANIFEST))) {
      if (await this.unchanged(dir)) return { digest, dir, manifest: parseManifest(await readFile(join(dir, BUNDLE_MANIFEST), 'utf8')) };
      this.logger.warn({
        msg: 'unpacked bundle changed on disk since it was unpacked (or has no record): unpacking it again',
        image,
        digest,
        dir,
      });
    }
    const blob = await store.getBlob(image);
    if (!blob) throw new Error(`bundle ${image} disappeared from the store while it was being fetched`);
    const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    const actual = bundleDigest(data);
    if (actual !== digest) throw new Error(`bundle ${image} is ${actual} but was stored as ${digest}; push it again`);
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      const { manifest } = await extractBundle(data, tmp, {
        maxUnpackedBytes: this.env.SKIFF_MAX_BUNDLE_UNPACKED_BYTES,
        maxEntries: 100_000,
      });
      const tree = await treeDigest(tmp);
      await rm(recordOf(dir), { force: true });
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
      await this.record(dir, { tree, stat: await treeStatSignature(dir) });
      this.logger.log({ msg: 'bundle unpacked', image, digest, dir });
      return { digest, dir, manifest };
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * True when an unpacked directory is still what was unpacked: its metadata fingerprint equals the
   * recorded one (cheap), or else its content digest does (then the fingerprint is recorded again).
   */
  private async unchanged(dir: string): Promise<boolean> {
    let recorded: TreeRecord;
    try {
      recorded = JSON.parse(await readFile(recordOf(dir), 'utf8')) as TreeRecord;
    } catch {
      return false;
    }
    const stat = await treeStatSignature(dir);
    if (stat === recorded.stat) return true;
    if ((await treeDigest(dir)) !== recorded.tree) return false;
    await this.record(dir, { tree: recorded.tree, stat });
    return true;
  }

  private async record(dir: string, record: TreeRecord): Promise<void> {
    await writeFile(recordOf(dir), JSON.stringify(record), { mode: 0o600 });
  }

  private open(): Promise<ObjectStore> {
    this.store ??= openBundleStore(this.nc, subjects).catch((err: Error) => {
      this.store = undefined;
      throw err;
    });
    return this.store;
  }
}
