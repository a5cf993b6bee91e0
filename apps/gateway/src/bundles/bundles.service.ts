import { Inject, Injectable, Logger } from '@nestjs/common';
import { NatsConnection, ObjectStore } from 'nats';
import { BUNDLE_DIGEST_META, BUNDLE_DIGEST_PATTERN, BundleInfo, ERROR_CODES, SkiffError, isBundleImage, subjects } from '@skiff/contracts';
import { BundleError, bundleDigest, bundleInfoOf, inspectBundle, openBundleStore } from '@skiff/bundles';
import { fullStoreError, NATS_CONNECTION } from '@skiff/nats';
import { BUNDLES_ENV, BundlesEnv } from './bundles.env';

/** Result of an upload. */
export interface StoredBundle extends BundleInfo {
  /** False when the same digest was already stored under that image (nothing rewritten). */
  changed: boolean;
}

/** Function bundles in the JetStream object store: checked on the way in, listed, described, removed. */
@Injectable()
export class BundlesService {
  private readonly logger = new Logger(BundlesService.name);
  private store?: Promise<ObjectStore>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(BUNDLES_ENV) private readonly env: BundlesEnv,
  ) {}

  async list(): Promise<BundleInfo[]> {
    const all = await (await this.open()).list();
    return all
      .map((info) => bundleInfoOf(info))
      .filter((b): b is BundleInfo => b !== undefined)
      .sort((a, b) => a.image.localeCompare(b.image));
  }

  async get(image: string): Promise<BundleInfo> {
    const info = bundleInfoOf(await (await this.open()).info(this.checkImage(image)));
    if (!info) throw new SkiffError(ERROR_CODES.functionNotFound, `no bundle named ${image} (push it with skiff push)`);
    return info;
  }

  /** Verifies the digest, the archive and its manifest, then stores the bytes (unless unchanged). */
  async put(image: string, body: unknown, claimedDigest: unknown): Promise<StoredBundle> {
    this.checkImage(image);
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        'send the bundle (.tar.gz from skiff build) as the body with Content-Type: application/gzip',
      );
    }
    if (typeof claimedDigest !== 'string' || !BUNDLE_DIGEST_PATTERN.test(claimedDigest)) {
      throw new SkiffError(ERROR_CODES.invalidRequest, 'header X-Skiff-Bundle-Digest must be sha256:<64 hex digits> of the body');
    }
    const digest = bundleDigest(body);
    if (digest !== claimedDigest) {
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        `digest mismatch: the header says ${claimedDigest} but the body is ${digest} (upload damaged?)`,
      );
    }
    let manifestLang: string;
    try {
      const inspection = await inspectBundle(body, { maxUnpackedBytes: this.env.SKIFF_MAX_BUNDLE_UNPACKED_BYTES, maxEntries: 100_000 });
      manifestLang = inspection.manifest.lang;
    } catch (err) {
      if (err instanceof BundleError) throw new SkiffError(ERROR_CODES.invalidRequest, `bundle refused: ${err.message}`);
      throw err;
    }
    const store = await this.open();
    const existing = bundleInfoOf(await store.info(image));
    if (existing?.digest === digest) return { ...existing, changed: false };
    const info = await store
      .putBlob({ name: image, description: `skiff bundle (${manifestLang})`, metadata: { [BUNDLE_DIGEST_META]: digest } }, body)
      .catch((err: Error) => Promise.reject(fullStoreError(err, 'the bundle store') ?? err));
    this.logger.log({ msg: 'bundle stored', image, digest, size: body.length });
    return { ...(bundleInfoOf(info) as BundleInfo), changed: true };
  }

  async remove(image: string): Promise<void> {
    await this.get(image);
    await (await this.open()).delete(image);
  }

  private checkImage(image: string): string {
    if (!isBundleImage(image)) {
      throw new SkiffError(ERROR_CODES.invalidRequest, `"${image}" is not a valid image name (lower-case letters, digits, . _ - / : @)`);
    }
    return image;
  }

  private open(): Promise<ObjectStore> {
    this.store ??= openBundleStore(this.nc, subjects).catch((err: Error) => {
      this.store = undefined;
      throw new SkiffError(ERROR_CODES.unavailable, `bundle store unavailable: ${err.message}`);
    });
    return this.store;
  }
}
