import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { rawHttp } from '@skiff/testing';
import { isStreamedBody } from './raw-body';
import { registerRawRoutes } from './raw-route';

/** Sends a chunked body (no Content-Length) and reads the answer. */
function chunked(port: number, path: string, parts: Buffer[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const part of parts) req.write(part);
    req.end();
  });
}

describe('registerRawRoutes', () => {
  const app = Fastify();
  /** What the handler saw: `buffer:<n>` or `stream:<n>` (bytes it then read itself). */
  const handler = async (request: { body: unknown }, reply: { send(v: string): void }) => {
    const body = request.body;
    if (!isStreamedBody(body)) return reply.send(`buffer:${(body as Buffer | undefined)?.length ?? 0}`);
    let n = 0;
    for await (const part of body) n += (part as Buffer).length;
    reply.send(`stream:${n}`);
  };
  const onError = (error: Error & { statusCode?: number }, _request: unknown, reply: { code(n: number): { send(v: string): void } }) =>
    reply.code(error.statusCode ?? 500).send(error.message);
  registerRawRoutes(app, [
    { url: '/streamed/*', bodyLimit: 1000, streamBodiesAbove: 100, handler, onError },
    { url: '/whole/*', bodyLimit: 1000, handler, onError },
  ]);
  let port: number;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('reads a body up to streamBodiesAbove whole, of any content type', async () => {
    expect(
      (
        await rawHttp(port, {
          method: 'POST',
          target: '/streamed/x',
          body: 'x'.repeat(100),
          headers: { 'content-type': 'application/weird' },
        })
      ).text,
    ).toBe('buffer:100');
    expect((await rawHttp(port, { method: 'POST', target: '/streamed/x' })).text).toBe('buffer:0');
  });

  it('leaves a larger or chunked body to the handler as a stream', async () => {
    expect((await rawHttp(port, { method: 'POST', target: '/streamed/x', body: 'x'.repeat(101) })).text).toBe('stream:101');
    expect((await chunked(port, '/streamed/x', [Buffer.alloc(10), Buffer.alloc(20)])).text).toBe('stream:30');
  });

  it('answers 413 to an announced length over the limit without reading it, on both kinds of route', async () => {
    for (const target of ['/streamed/x', '/whole/x']) {
      expect((await rawHttp(port, { method: 'POST', target, body: 'x'.repeat(1001) })).status).toBe(413);
    }
  });

  it('reads whole on a route without streamBodiesAbove, 413 past the limit even without a length', async () => {
    expect((await chunked(port, '/whole/x', [Buffer.alloc(500), Buffer.alloc(400)])).text).toBe('buffer:900');
    expect((await chunked(port, '/whole/x', [Buffer.alloc(600), Buffer.alloc(600)])).status).toBe(413);
  });
});
