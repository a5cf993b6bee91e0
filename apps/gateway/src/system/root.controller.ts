import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** `GET /` → 307 to the portal, as the OpenFaaS gateway does. */
@Controller()
export class RootController {
  @Get()
  root(@Res() reply: FastifyReply): void {
    void reply.redirect('/ui/', 307);
  }
}
