import { Module } from '@nestjs/common';
import { BUNDLE_CACHE_ENV, bundleCacheEnv } from './bundle-cache.env';
import { BundleCache } from './bundle-cache.service';

/** Bundles on the provider side: fetch, unpack once per digest, cache, clean up. */
@Module({
  providers: [{ provide: BUNDLE_CACHE_ENV, useFactory: bundleCacheEnv }, BundleCache],
  exports: [BundleCache],
})
export class BundlesModule {}
