import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { SecretsModule } from '../secrets/secrets.module';
import { NamespaceController } from './namespace.controller';
import { NamespaceService } from './namespace.service';

/** Namespaces: `provider.namespace.*` over the registry, the secrets and the namespaces bucket. */
@Module({ imports: [RegistryModule, SecretsModule], controllers: [NamespaceController], providers: [NamespaceService] })
export class NamespacesModule {}
