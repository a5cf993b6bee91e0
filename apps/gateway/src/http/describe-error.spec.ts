import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';
import { describeHttpError } from './describe-error';

const LIMIT = 'request body is larger than the limit of 10 bytes';

function fastifyError(code: string, statusCode: number, message = 'boom'): Error {
  return Object.assign(new Error(message), { code, statusCode, name: 'FastifyError' });
}

describe('describeHttpError', () => {
  it('keeps a SkiffError status and message', () => {
    expect(describeHttpError(new SkiffError(ERROR_CODES.functionNotFound, 'function not found: a.b'), LIMIT)).toEqual({
      status: 404,
      message: 'function not found: a.b',
    });
  });

  it('turns any body-limit error into 413 naming the limit', () => {
    expect(describeHttpError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), LIMIT)).toEqual({ status: 413, message: LIMIT });
    expect(describeHttpError(new HttpException('Request body is too large', 413), LIMIT)).toEqual({ status: 413, message: LIMIT });
    expect(describeHttpError(Object.assign(new Error('x'), { code: 'MAX_PAYLOAD_EXCEEDED' }), LIMIT).status).toBe(413);
  });

  it('reads Nest exceptions', () => {
    expect(describeHttpError(new NotFoundException('Cannot GET /x'), LIMIT)).toEqual({ status: 404, message: 'Cannot GET /x' });
    expect(describeHttpError(new BadRequestException(['a bad', 'b bad']), LIMIT)).toEqual({ status: 400, message: 'a bad; b bad' });
  });

  it('explains JSON errors as 400', () => {
    expect(describeHttpError(new SyntaxError('Unexpected token'), LIMIT)).toEqual({
      status: 400,
      message: 'invalid JSON body: Unexpected token',
    });
    expect(describeHttpError(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400), LIMIT).status).toBe(400);
  });

  it('keeps other 4xx and makes everything else a 500', () => {
    expect(describeHttpError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Unsupported Media Type'), LIMIT).status).toBe(415);
    expect(describeHttpError(new Error('bug'), LIMIT)).toEqual({ status: 500, message: 'internal error: bug' });
    expect(describeHttpError('weird', LIMIT).status).toBe(500);
  });
});
