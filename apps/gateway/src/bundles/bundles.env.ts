import { IsInt, IsString, Min } from 'class-validator';
import { loadEnv } from '@skiff/config';

/** Gateway variables of bundles and the function store. */
export class BundlesEnv {
  /** Largest bundle upload in bytes (the gzipped tarball). */
  @IsInt({ message: 'SKIFF_MAX_BUNDLE_BYTES must be a whole number of bytes' })
  @Min(1024, { message: 'SKIFF_MAX_BUNDLE_BYTES must be at least 1024' })
  SKIFF_MAX_BUNDLE_BYTES: number = 100 * 1024 * 1024;

  /** Largest unpacked size of a bundle in bytes (stops gzip bombs). */
  @IsInt({ message: 'SKIFF_MAX_BUNDLE_UNPACKED_BYTES must be a whole number of bytes' })
  @Min(1024, { message: 'SKIFF_MAX_BUNDLE_UNPACKED_BYTES must be at least 1024' })
  SKIFF_MAX_BUNDLE_UNPACKED_BYTES: number = 512 * 1024 * 1024;

  /** Function store served at `/system/store` (OpenFaaS store v2 JSON); empty = the repository's store/functions.json. */
  @IsString()
  SKIFF_STORE_FILE = '';
}

/** Injection token of the BundlesEnv. */
export const BUNDLES_ENV = 'BUNDLES_ENV';

/** Validates the variables (throws EnvError naming every bad one): gateway.startup.ts does it once. */
export function bundlesEnv(env: NodeJS.ProcessEnv): BundlesEnv {
  return loadEnv(BundlesEnv, env);
}
