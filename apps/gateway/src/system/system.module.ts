import { Module } from '@nestjs/common';
import { FunctionsController } from './functions.controller';
import { FunctionsService } from './functions.service';
import { InfoController } from './info.controller';
import { RootController } from './root.controller';
import { SecretsController } from './secrets.controller';
import { NamespacesController, NamespaceTrailingSlashRoute } from './namespaces.controller';

/** The `/system/*` API: Nest controllers that validate, then ask the provider over the bus. */
@Module({
  controllers: [FunctionsController, InfoController, RootController, SecretsController, NamespacesController],
  providers: [FunctionsService, NamespacesController, NamespaceTrailingSlashRoute],
})
export class SystemModule {}
