import Fastify from 'fastify';
import { hasAdminCredentials, installBasicAuth } from './basic-auth.hook';

const auth = (p: string) => ({ authorization: `Basic ${Buffer.from(`admin:${p}`).toString('base64')}` });

describe('installBasicAuth', () => {
  const app = Fastify();
  installBasicAuth(app, { user: 'admin', password: 'pw' });
  app.get('/system/functions', async () => []);
  app.get('/function/echo', async () => 'open');
  app.delete('/async-function/:id', async (request) => (hasAdminCredentials(request) ? 'admin' : 'anonymous'));
  // Routes registered later in encapsulated plugins (as the raw /async-function routes are) inherit it.
  void app.register(async (scope) => {
    scope.post('/system/bundles/:name', async () => 'stored');
  });

  afterAll(() => app.close());

  it('guards /system routes, plugin routes and unmatched /system paths alike', async () => {
    for (const [method, url] of [
      ['GET', '/system/functions'],
      ['POST', '/system/bundles/x'],
      ['GET', '/system/nothing-here'],
      ['GET', '/ui/'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Restricted"');
      expect(res.body).toBe('invalid credentials');
    }
    expect((await app.inject({ method: 'POST', url: '/system/bundles/x', headers: auth('pw') })).body).toBe('stored');
    expect((await app.inject({ method: 'GET', url: '/system/functions', headers: auth('pw') })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/system/nothing-here', headers: auth('pw') })).statusCode).toBe(404);
  });

  it('tells a handler whether a DELETE /async-function request (a possible cancel) carried the admin credentials', async () => {
    expect((await app.inject({ method: 'DELETE', url: '/async-function/call-1' })).body).toBe('anonymous');
    expect((await app.inject({ method: 'DELETE', url: '/async-function/call-1', headers: auth('wrong') })).body).toBe('anonymous');
    expect((await app.inject({ method: 'DELETE', url: '/async-function/call-1', headers: auth('pw') })).body).toBe('admin');
  });

  it('leaves other paths open', async () => {
    expect((await app.inject({ method: 'GET', url: '/function/echo' })).body).toBe('open');
    expect((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
  });
});
