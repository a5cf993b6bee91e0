import { HttpException } from '@nestjs/common';
import { SkiffError } from '@skiff/contracts';

/** Status and plain-text reason of an error answered over HTTP. */
export interface HttpErrorReply {
  /** HTTP status. */
  status: number;
  /** Reason shown to the caller. */
  message: string;
}

type CodedError = Error & { code?: unknown; statusCode?: unknown };

function httpExceptionMessage(err: HttpException): string {
  const body = err.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? err.message);
}

/**
 * One mapping for every error the gateway's HTTP layer sees: platform errors keep their status,
 * Fastify's body errors become clear 4xx reasons, anything else is a 500 with the message.
 */
export function describeHttpError(err: unknown, bodyLimitMessage: string): HttpErrorReply {
  if (err instanceof SkiffError) return { status: err.status, message: err.message };
  if (err instanceof HttpException) {
    // Nest wraps Fastify's own errors (body limit, media type) into HttpException.
    const status = err.getStatus();
    return { status, message: status === 413 ? bodyLimitMessage : httpExceptionMessage(err) };
  }
  const e = (err instanceof Error ? err : new Error(String(err))) as CodedError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'MAX_PAYLOAD_EXCEEDED':
      return { status: 413, message: bodyLimitMessage };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'request body is empty: send a JSON object' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, message: `invalid JSON body: ${e.message}` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: e.message };
  }
  if (e instanceof SyntaxError) return { status: 400, message: `invalid JSON body: ${e.message}` };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, message: e.message };
  return { status: 500, message: `internal error: ${e.message}` };
}
