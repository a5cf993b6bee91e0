import { IsInt, Max, Min } from 'class-validator';
import { loadEnv } from '@skiff/config';

/** Provider variables of the bundle cache (beside the provider's own env). */
export class BundleCacheEnv {
  /** How often unused unpacked bundles are looked for. */
  @IsInt({ message: 'SKIFF_BUNDLE_SWEEP_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(86_400_000)
  SKIFF_BUNDLE_SWEEP_MS = 60_000;

  /** How long an unpacked bundle no function uses any more is kept (rollouts, quick redeploys). */
  @IsInt({ message: 'SKIFF_BUNDLE_CACHE_GRACE_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(604_800_000)
  SKIFF_BUNDLE_CACHE_GRACE_MS = 300_000;

  /** Largest unpacked size of a bundle in bytes. */
  @IsInt({ message: 'SKIFF_MAX_BUNDLE_UNPACKED_BYTES must be a whole number of bytes' })
  @Min(1024)
  SKIFF_MAX_BUNDLE_UNPACKED_BYTES = 512 * 1024 * 1024;
}

/** Injection token of the BundleCacheEnv. */
export const BUNDLE_CACHE_ENV = 'BUNDLE_CACHE_ENV';

/** Reads the variables (throws naming every bad one). */
export function bundleCacheEnv(env: NodeJS.ProcessEnv): BundleCacheEnv {
  return loadEnv(BundleCacheEnv, env);
}
