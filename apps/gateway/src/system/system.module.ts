import { Module } from '@nestjs/common';
import { FunctionsController } from './functions.controller';
import { FunctionsService } from './functions.service';
import { InfoController } from './info.controller';

/** The `/system/*` API: Nest controllers that validate, then ask the provider over the bus. */
@Module({ controllers: [FunctionsController, InfoController], providers: [FunctionsService] })
export class SystemModule {}
