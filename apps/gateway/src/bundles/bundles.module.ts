import { Module } from '@nestjs/common';
import { BundleBodyParser } from './bundle-body.parser';
import { BundlesController } from './bundles.controller';
import { BundlesService } from './bundles.service';
import { StoreController } from './store.controller';

/** Function bundles (`/system/bundles`) and the function store (`/system/store`). */
@Module({
  controllers: [BundlesController, StoreController],
  providers: [BundleBodyParser, BundlesService],
})
export class BundlesModule {}
