import { DynamicModule, Global, Module } from '@nestjs/common';
import { LOG_STREAM_OPTIONS } from '@skiff/nats';
import { BUNDLE_CACHE_ENV } from '../bundles/bundle-cache.env';
import { PROVIDER_ENV } from './provider.env';
import type { ProviderStartup } from './provider.startup';

/** Makes every part of the provider's validated configuration injectable everywhere, under its token. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ProviderStartup): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: PROVIDER_ENV, useValue: config.provider },
        { provide: BUNDLE_CACHE_ENV, useValue: config.bundleCache },
        { provide: LOG_STREAM_OPTIONS, useValue: config.logs },
      ],
      exports: [PROVIDER_ENV, BUNDLE_CACHE_ENV, LOG_STREAM_OPTIONS],
    };
  }
}
