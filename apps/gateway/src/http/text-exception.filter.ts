import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BodyLimit } from '../config/body-limit';
import { describeHttpError } from './describe-error';

/** Answers every error of a Nest route (and Fastify's body parsing) with its status and a text/plain reason. */
@Catch()
export class TextExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly bodyLimit: BodyLimit) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, message } = describeHttpError(exception, this.bodyLimit.message);
    if (status >= 500) this.logger.error(message, exception instanceof Error ? exception.stack : undefined);
    if (reply.sent) return;
    void reply.code(status).type('text/plain; charset=utf-8').send(message);
  }
}
