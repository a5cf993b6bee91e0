import { Module } from '@nestjs/common';
import { BundleBodyParser } from './bundle-body.parser';
import { BundlesController } from './bundles.controller';
import { BUNDLES_ENV, bundlesEnv } from './bundles.env';
import { BundlesService } from './bundles.service';
import { StoreController } from './store.controller';

/** Function bundles (`/system/bundles`) and the function store (`/system/store`). */
@Module({
  controllers: [BundlesController, StoreController],
  providers: [{ provide: BUNDLES_ENV, useFactory: bundlesEnv }, BundleBodyParser, BundlesService],
})
export class BundlesModule {}
