import { Global, Module } from '@nestjs/common';
import { PROVIDER_ENV, providerEnv } from './provider.env';

/** Makes the validated ProviderEnv injectable everywhere. */
@Global()
@Module({
  providers: [{ provide: PROVIDER_ENV, useFactory: providerEnv }],
  exports: [PROVIDER_ENV],
})
export class ConfigModule {}
