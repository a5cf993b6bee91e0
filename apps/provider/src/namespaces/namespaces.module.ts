import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { SecretsModule } from '../secrets/secrets.module';
import { SecretController } from '../secrets/secret.controller';
import { NamespaceController } from './namespace.controller';
import { NamespaceService } from './namespace.service';

/** Namespaces (`provider.namespace.*`) and the secret RPCs, which need to know which namespaces exist. */
@Module({ imports: [RegistryModule, SecretsModule], controllers: [NamespaceController, SecretController], providers: [NamespaceService] })
export class NamespacesModule {}
