import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { FunctionRegistryCache, FunctionRegistryModule } from '@skiff/nats';
import { HealthService } from '@skiff/observability';
import { FunctionResolver } from './function-resolver.service';

/** Reports the watch in `/healthz`. */
@Injectable()
class RegistryHealth implements OnModuleInit {
  constructor(
    private readonly registry: FunctionRegistryCache,
    private readonly health: HealthService,
  ) {}

  onModuleInit(): void {
    this.health.register('registry', () => (this.registry.watching ? undefined : 'function registry watch is not running'));
  }
}

/** The local copy of the function registry (loaded before the gateway listens) and lookups on it. */
@Global()
@Module({
  imports: [FunctionRegistryModule],
  providers: [FunctionResolver, RegistryHealth],
  exports: [FunctionResolver],
})
export class RegistryModule {}
