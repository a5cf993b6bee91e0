/** Bounds applied to a bundle before anything is written to disk. */
export interface BundleLimits {
  /** Largest sum of unpacked file sizes. */
  maxUnpackedBytes: number;
  /** Most entries (files, directories, links). */
  maxEntries: number;
}

/** Defaults: generous for node_modules, small enough to stop a gzip bomb. */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = { maxUnpackedBytes: 512 * 1024 * 1024, maxEntries: 100_000 };
