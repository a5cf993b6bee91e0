import { Module } from '@nestjs/common';
import { BundleCache } from './bundle-cache.service';

/** Bundles on the provider side: fetch, unpack once per digest, cache, clean up. */
@Module({
  providers: [BundleCache],
  exports: [BundleCache],
})
export class BundlesModule {}
