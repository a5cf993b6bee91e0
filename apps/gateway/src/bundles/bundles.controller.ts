import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BUNDLE_DIGEST_HEADER, BundleInfo } from '@skiff/contracts';
import { BundlesService } from './bundles.service';

/**
 * `/system/bundles`: function bundles built by `skiff build` (no Docker). The image may contain
 * `/` and `:` (`ghcr.io/me/fn:1.0`), hence the wildcard.
 */
@Controller('system/bundles')
export class BundlesController {
  constructor(private readonly bundles: BundlesService) {}

  @Get()
  list(): Promise<BundleInfo[]> {
    return this.bundles.list();
  }

  @Get('*')
  get(@Param('*') image: string): Promise<BundleInfo> {
    return this.bundles.get(image);
  }

  /** 201 when stored, 200 when that image already held the same digest. */
  @Put('*')
  async put(
    @Param('*') image: string,
    @Body() body: unknown,
    @Headers(BUNDLE_DIGEST_HEADER) digest: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BundleInfo> {
    const stored = await this.bundles.put(image, body, digest);
    void reply.code(stored.changed ? 201 : 200);
    const { changed: _changed, ...info } = stored;
    return info;
  }

  @Delete('*')
  @HttpCode(202)
  async remove(@Param('*') image: string): Promise<void> {
    await this.bundles.remove(image);
  }
}
