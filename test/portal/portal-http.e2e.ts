// The portal as HTTP: served by the built gateway at /ui/ behind the admin's basic auth, with the
// right content types, every file the app loads reachable, and nothing else of the disk.
import { request as httpRequest } from 'node:http';
import { HttpClient, Platform, basicAuthHeader } from '@skiff/testing';

jest.setTimeout(120_000);

/** Sends a request with the path exactly as written (fetch would normalise `..` away). */
function rawGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Relative module imports of a JS file (`import … from './x.js'`, `import './x.js'`). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*import\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

describe('portal over HTTP', () => {
  let platform: Platform;
  let gw: HttpClient;
  let anonymous: HttpClient;

  beforeAll(async () => {
    // Wrong logins are sent on purpose, path after path: not a guesser to slow down (#19).
    platform = await Platform.start({ serviceEnv: { gateway: { SKIFF_GATEWAY_AUTH_MAX_FAILURES: '1000' } } });
    gw = platform.client();
    anonymous = platform.anonymousClient();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('redirects / to /ui/ with a 307, without asking for credentials', async () => {
    const reply = await anonymous.get('/');
    expect(reply.status).toBe(307);
    expect(reply.headers.get('location')).toBe('/ui/');
  });

  it.each([
    '/ui',
    '/ui/',
    '/ui/index.html',
    '/ui/js/app.js',
    '/ui/styles.css',
    '/ui/vendor/uplot/uPlot.esm.js',
    '/ui/no-such-file.js',
    '/UI/',
    '//ui/',
    '/ui/%2e%2e/package.json',
  ])('asks for the admin login on %s', async (path) => {
    for (const headers of [{}, basicAuthHeader('admin', 'wrong-password'), basicAuthHeader('someone-else')]) {
      const reply = await rawGet(platform.url(), path, headers);
      expect(reply.status).toBe(401);
      expect(reply.body).toBe('invalid credentials');
      expect(reply.headers['www-authenticate']).toBe('Basic realm="Restricted"');
    }
  });

  it('serves the app with the login: index, every module and stylesheet it loads, with their content types', async () => {
    const bare = await gw.get('/ui');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/ui/');

    const index = await gw.get('/ui/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('<title>Skiff portal</title>');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('cache-control')).toBe('private, no-cache');

    const styles = [...index.text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]);
    expect(styles).toEqual(['vendor/uplot/uPlot.min.css', 'styles.css']);
    for (const href of styles) {
      const css = await gw.get(new URL(href, `${platform.url()}/ui/`).pathname);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    }

    // Follow the module graph from the entry script: a wrong import path would break the page.
    const entries = [...index.text.matchAll(/<script type="module" src="([^"]+)"/g)].map(
      (m) => new URL(m[1], `${platform.url()}/ui/`).pathname,
    );
    expect(entries).toEqual(['/ui/js/app.js']);
    const seen = new Set<string>();
    const queue = [...entries];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const module = await gw.get(path);
      expect({ path, status: module.status }).toEqual({ path, status: 200 });
      expect(module.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      for (const spec of importsOf(module.text)) queue.push(new URL(spec, `${platform.url()}${path}`).pathname);
    }
    expect(seen).toContain('/ui/vendor/uplot/uPlot.esm.js');
    expect(seen).toContain('/ui/js/views/function.js');
    expect(seen.size).toBeGreaterThanOrEqual(10);
  });

  it('answers 304 to a conditional GET of an unchanged file', async () => {
    // Raw HTTP: fetch adds `cache-control: no-cache` to conditional requests, which rightly defeats them.
    const first = await rawGet(platform.url(), '/ui/js/app.js', basicAuthHeader());
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    expect((await rawGet(platform.url(), '/ui/js/app.js', { ...basicAuthHeader(), 'if-none-match': etag })).status).toBe(304);
  });

  it('answers 404 for unknown files and for the parts of uPlot the portal does not load', async () => {
    for (const path of [
      '/ui/no-such-file.js',
      '/ui/js/nope/deeper.js',
      '/ui/vendor/uplot/uPlot.cjs.js',
      '/ui/vendor/uplot/uPlot.d.ts',
      '/ui/vendor/other.js',
    ]) {
      expect({ path, status: (await gw.get(path)).status }).toEqual({ path, status: 404 });
    }
  });

  it('serves nothing outside the portal folder', async () => {
    const auth = basicAuthHeader();
    for (const path of [
      '/ui/../package.json',
      '/ui/%2e%2e/package.json',
      '/ui/..%2fpackage.json',
      '/ui/vendor/uplot/../package.json',
      '/ui/.%2e/.%2e/package.json',
    ]) {
      const reply = await rawGet(platform.url(), path, auth);
      expect({ path, status: reply.status }).not.toEqual({ path, status: 200 });
      expect(reply.body).not.toContain('"name": "skiff"');
    }
  });
});
