import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';
import { BUNDLES_ENV, BundlesEnv } from './bundles.env';

/** Content types read as raw bytes (a bundle upload). */
export const BUNDLE_BODY_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/octet-stream'];

/** True for the upload route. */
function isBundleUpload(request: FastifyRequest): boolean {
  return request.method === 'PUT' && request.url.startsWith('/system/bundles/');
}

/**
 * Reads bundle uploads as a Buffer with their own size limit (SKIFF_MAX_BUNDLE_BYTES, checked on
 * Content-Length first and again while reading); every other Nest route reads JSON only.
 * Registered in the constructor: parsers must exist before the routes are.
 */
@Injectable()
export class BundleBodyParser {
  constructor(adapterHost: HttpAdapterHost, @Inject(BUNDLES_ENV) env: BundlesEnv) {
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const limit = env.SKIFF_MAX_BUNDLE_BYTES;
    const tooLarge = () =>
      new SkiffError(ERROR_CODES.bodyTooLarge, `bundle is larger than the limit of ${limit} bytes (SKIFF_MAX_BUNDLE_BYTES)`);
    fastify.addContentTypeParser(BUNDLE_BODY_TYPES, (request, payload, done) => {
      if (!isBundleUpload(request)) {
        return done(
          new SkiffError(
            ERROR_CODES.invalidRequest,
            `${request.headers['content-type']} bodies are accepted only by PUT /system/bundles/<image>; send JSON`,
          ),
          undefined,
        );
      }
      // Over the limit the rest of the body is read and dropped before the 413, so clients that
      // send it anyway still get the answer (an early close shows them only EPIPE); a body far
      // beyond the limit ends the connection.
      const chunks: Buffer[] = [];
      let size = Number(request.headers['content-length'] ?? 0) > limit ? limit + 1 : 0;
      let finished = false;
      const finish = (err: Error | null, body?: Buffer) => {
        if (finished) return;
        finished = true;
        done(err, body);
      };
      payload.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit * 4 + 1) {
          finish(tooLarge());
          payload.destroy();
        } else if (size <= limit) chunks.push(chunk);
        else chunks.length = 0;
      });
      payload.on('end', () => finish(size > limit ? tooLarge() : null, size > limit ? undefined : Buffer.concat(chunks)));
      payload.on('error', (err: Error) => finish(err));
    });
  }
}
