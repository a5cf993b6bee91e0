import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { FunctionRegistryCache, NATS_CONNECTION } from '@skiff/nats';
import { HealthService } from '@skiff/observability';
import { FUNCTION_REGISTRY } from './registry.tokens';
import { FunctionResolver } from './function-resolver.service';
import { RegistrySync } from './registry-sync.service';

/** Reports the watch in `/healthz` and stops it on shutdown. */
@Injectable()
class RegistryLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache,
    private readonly health: HealthService,
  ) {}

  onModuleInit(): void {
    this.health.register('registry', () => (this.registry.watching ? undefined : 'function registry watch is not running'));
  }

  onApplicationShutdown(): void {
    this.registry.stop();
  }
}

/** The local copy of the function registry (loaded before the gateway listens) and lookups on it. */
@Global()
@Module({
  providers: [
    {
      provide: FUNCTION_REGISTRY,
      inject: [NATS_CONNECTION],
      useFactory: (nc: NatsConnection) => FunctionRegistryCache.start(nc, subjects),
    },
    FunctionResolver,
    RegistrySync,
    RegistryLifecycle,
  ],
  exports: [FUNCTION_REGISTRY, FunctionResolver, RegistrySync],
})
export class RegistryModule {}
