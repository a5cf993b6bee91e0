import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { TextExceptionFilter } from './text-exception.filter';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';

/**
 * OpenFaaS clients send JSON to `/system/*` with any content type (curl's default is form encoding):
 * every body of a Nest route is read as JSON by one parser whose errors are clear 400 reasons.
 */
@Injectable()
class AnyContentAsJson implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Fastify's own parser, for its prototype-poisoning protection.
    const parseJson = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser(['application/json', 'application/x-www-form-urlencoded']);
    fastify.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      if (!(body as string).trim()) return done(null, undefined);
      parseJson(request, body as string, (err: Error | null, value?: unknown) => {
        if (err) done(new SkiffError(ERROR_CODES.invalidRequest, `invalid JSON body: ${err.message}`), undefined);
        else done(null, value);
      });
    });
  }
}

/** The HTTP conventions of the Nest routes: text/plain errors, JSON bodies whatever the content type. */
@Global()
@Module({ providers: [{ provide: APP_FILTER, useClass: TextExceptionFilter }, AnyContentAsJson] })
export class GatewayHttpModule {}
