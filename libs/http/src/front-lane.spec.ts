import Fastify from 'fastify';
import { rawHttp } from '@skiff/testing';
import { fastifyBodyHandling, serveBeforeFastify } from './front-lane';

describe('serveBeforeFastify', () => {
  const app = Fastify();
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.header('x-hook', 'ran');
    done();
  });
  app.get('/*', (request, reply) => reply.send(`fastify ${request.url}`));
  serveBeforeFastify(app, (request, response) => {
    if (!request.url?.startsWith('/lane/')) return false;
    response.end(`lane ${request.url}`);
    return true;
  });
  let port: number;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('serves what the lane takes without Fastify, and passes everything else to Fastify with its hooks', async () => {
    const lane = await rawHttp(port, { target: '/lane/x' });
    expect([lane.text, lane.headers['x-hook']]).toEqual(['lane /lane/x', undefined]);
    const other = await rawHttp(port, { target: '/other' });
    expect([other.text, other.headers['x-hook']]).toEqual(['fastify /other', 'ran']);
  });
});

describe('fastifyBodyHandling', () => {
  it.each([
    ['GET', { 'content-length': '5' }, 'none'],
    ['HEAD', {}, 'none'],
    ['POST', {}, 'none'],
    ['POST', { 'content-length': '0' }, 'none'],
    ['POST', { 'content-length': '5' }, 'read'],
    ['DELETE', { 'transfer-encoding': 'chunked' }, 'read'],
    ['PUT', { 'content-type': 'application/json; charset=utf-8' }, 'read'],
    ['POST', { 'content-type': ';;' }, 'fastify'],
    ['QUERY', { 'content-type': 'text/plain' }, 'fastify'],
    ['PROPFIND', {}, 'fastify'],
  ])('%s with %j: %s', (method, headers, expected) => {
    expect(fastifyBodyHandling(method, headers)).toBe(expected);
  });
});
