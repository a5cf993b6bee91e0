import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { TextExceptionFilter } from './text-exception.filter';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';

/**
 * Bodies of the Nest routes are JSON (`application/json`, the type faas-cli and the portal send; the
 * gateway guard answers 415 to admin writes of any other type, so a cross-site form cannot reach a
 * handler): read by Fastify's parser, with clear 400 reasons, an empty body being no body.
 */
@Injectable()
class JsonBodies implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Fastify's own parser, for its prototype-poisoning protection.
    const parseJson = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (!(body as string).trim()) return done(null, undefined);
      parseJson(request, body as string, (err: Error | null, value?: unknown) => {
        if (err) done(new SkiffError(ERROR_CODES.invalidRequest, `invalid JSON body: ${err.message}`), undefined);
        else done(null, value);
      });
    });
  }
}

/** The HTTP conventions of the Nest routes: text/plain errors, JSON bodies. */
@Global()
@Module({ providers: [{ provide: APP_FILTER, useClass: TextExceptionFilter }, JsonBodies] })
export class GatewayHttpModule {}
