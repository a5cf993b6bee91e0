/**
 * Function bundles: a gzipped tarball of a built function (template + handler + dependencies),
 * stored by the gateway in a JetStream object store and unpacked by the provider. No Docker.
 * Importable without class-validator (the CLI uses it).
 */

/** File at the root of every bundle describing how to run it. */
export const BUNDLE_MANIFEST = 'skiff-bundle.json';

/** Request header carrying the digest the client computed (`sha256:<hex>`); the gateway checks it. */
export const BUNDLE_DIGEST_HEADER = 'x-skiff-bundle-digest';

/** Content type of an upload. */
export const BUNDLE_CONTENT_TYPE = 'application/gzip';

/** Object-store header holding a bundle's digest. */
export const BUNDLE_DIGEST_META = 'Skiff-Bundle-Digest';

/** `sha256:` followed by 64 lower-case hex digits. */
export const BUNDLE_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** An image name usable as a bundle name: registry/path:tag characters, no `..`, no leading `/`. */
export const BUNDLE_IMAGE_PATTERN = /^[a-z0-9][a-z0-9._\-/:@]{0,254}$/;

/** True when `image` can name a bundle. */
export function isBundleImage(image: unknown): image is string {
  return typeof image === 'string' && BUNDLE_IMAGE_PATTERN.test(image) && !image.includes('..') && !image.includes('//');
}

/** `skiff-bundle.json`: how the provider runs an unpacked bundle. */
export interface BundleManifest {
  /** Manifest format version (1). */
  schema: 1;
  /** Function the bundle was built for. */
  name: string;
  /** Template (language) it was built from. */
  lang: string;
  /** Process the watchdog runs (classic and http modes); relative paths are relative to the bundle root. */
  fprocess?: string;
  /** Watchdog environment from the template (`mode`, `handler_module`, timeouts...). */
  environment: Record<string, string>;
}

/** One stored bundle as `GET /system/bundles` lists it. */
export interface BundleInfo {
  /** Image name the bundle is stored under. */
  image: string;
  /** Content digest of the tarball (`sha256:<hex>`). */
  digest: string;
  /** Tarball size in bytes. */
  size: number;
  /** When it was stored (RFC 3339). */
  created: string;
}
