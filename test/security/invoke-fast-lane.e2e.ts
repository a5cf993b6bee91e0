// Attacker tests of the sync invoke fast lane (#15): `/function/*` is served on the raw Node server
// before Fastify, so every check that Fastify's router and hooks made on it must still be made, with
// the same answer. Each request goes out byte for byte on its own socket (request line, Host, target
// spelling as given); the expected answers are what the gateway answered when Fastify served the route.
import { Platform, openSocket, socketClosed } from '@skiff/testing';

jest.setTimeout(240_000);

/** Status and body of one hand-made request. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Stands for `Host: 127.0.0.1:<gateway port>` in a request's head. */
const HOST = 'Host: <gateway>';

/** Name, request line and headers, body, and the answer (without date and per-call headers) as Fastify gave it. */
type Case = [string, string[], string | undefined, Answer];

const TEXT = 'text/plain; charset=utf-8';
const length = (body: string) => String(Buffer.byteLength(body));
/** The echo function's answer (`cat`: the body back, typed as the request was; no type when empty). */
const served = (body: string, type: string | null = 'text/plain'): Answer => ({
  status: 200,
  headers: { 'content-length': length(body), ...(type ? { 'content-type': type } : {}), connection: 'close' },
  body,
});
/** The invoke handler's own answer (not found…); `size` when the body is cut here. */
const byHandler = (status: number, body: string, size?: number): Answer => ({
  status,
  headers: { 'content-type': TEXT, 'x-openfaas-internal': 'gateway', 'content-length': String(size ?? length(body)), connection: 'close' },
  body,
});
/** A plain-text answer of the gateway guard, rewriteUrl, Fastify or the body reader. */
const text = (status: number, body: string): Answer => ({
  status,
  headers: { 'content-type': TEXT, 'content-length': length(body), connection: 'close' },
  body,
});
/** Fastify's or Node's JSON error; `open` false when Node answered and closed without saying so. */
const json = (status: number, body: string, open = true): Answer => ({
  status,
  headers: { 'content-type': 'application/json', 'content-length': length(body), ...(open ? { connection: 'close' } : {}) },
  body,
});

/**
 * What the gateway answered to each request when Fastify routed `/function/*` (main before #15). Among
 * them: a Host the gateway does not answer to (421, also when an absolute-form target names it),
 * targets rewriteUrl refuses (400), `..` and percent-encoded traversal (404 from the handler, never
 * the admin API), undecodable paths (the router's 400), an invalid Content-Type (415), QUERY and
 * methods not routed, oversized headers (431), a body over the limit (413), a cross-site Origin
 * (a public route: served).
 */
const CASES: Case[] = [
  ['plain', ['POST /function/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', served('hi')],
  [
    'bad host',
    ['POST /function/echo HTTP/1.1', 'Host: evil.example', 'Content-Length: 2'],
    'hi',
    text(421, 'host "evil.example" is not a name this gateway answers to: add it to SKIFF_GATEWAY_HOSTS'),
  ],
  [
    'absolute bad host',
    ['POST http://evil.example/function/echo HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    text(421, 'host "evil.example" is not a name this gateway answers to: add it to SKIFF_GATEWAY_HOSTS'),
  ],
  ['absolute good host', ['POST http://127.0.0.1/function/echo HTTP/1.1', 'Host: evil.example', 'Content-Length: 2'], 'hi', served('hi')],
  [
    'absolute user info',
    ['POST http://u@127.0.0.1/function/echo HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    text(400, 'request target "http://u@127.0.0.1/function/echo" carries user info: send credentials in the Authorization header'),
  ],
  [
    'relative',
    ['POST function/echo HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    json(400, '{"error":"Bad Request","message":"Client Error","statusCode":400}', false),
  ],
  [
    'asterisk',
    ['OPTIONS * HTTP/1.1', HOST],
    undefined,
    text(400, 'request target "*" is neither a path starting with "/" nor an absolute http(s) URL'),
  ],
  [
    'dotdot',
    ['GET /function/../system/functions HTTP/1.1', HOST],
    undefined,
    byHandler(
      404,
      'function not found: .. (invalid function reference "..": function name "." is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  [
    'pct dotdot',
    ['GET /function/%2e%2e/system/functions HTTP/1.1', HOST],
    undefined,
    byHandler(
      404,
      'function not found: %2e%2e (invalid function reference "%2e%2e": function name "%2e%2e" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  [
    'pct slash',
    ['GET /function/..%2fsystem%2ffunctions HTTP/1.1', HOST],
    undefined,
    byHandler(
      404,
      'function not found: ..%2fsystem%2ffunctions (invalid function reference "..%2fsystem%2ffunctions": function name "." is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  [
    'bad pct',
    ['GET /function/%zz HTTP/1.1', HOST],
    undefined,
    json(
      400,
      '{"error":"Bad Request","code":"FST_ERR_BAD_URL","message":"\'/function/%zz\' is not a valid url component","statusCode":400}',
    ),
  ],
  [
    'bad pct in path',
    ['POST /function/echo/%zz HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    json(
      400,
      '{"error":"Bad Request","code":"FST_ERR_BAD_URL","message":"\'/function/echo/%zz\' is not a valid url component","statusCode":400}',
    ),
  ],
  [
    'pct in name',
    ['POST /function/%65cho HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    byHandler(
      404,
      'function not found: %65cho (invalid function reference "%65cho": function name "%65cho" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  ['pct prefix', ['POST /%66unction/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', byHandler(404, 'function not found: n.openfaas-fn')],
  [
    'fragment',
    ['POST /function/echo#x HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    byHandler(
      404,
      'function not found: echo#x (invalid function reference "echo#x": function name "echo#x" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  [
    'semicolon',
    ['POST /function/echo;x=1 HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    byHandler(
      404,
      'function not found: echo;x=1 (invalid function reference "echo;x=1": function name "echo;x=1" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  ['double slash', ['POST //function/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', text(404, 'Cannot POST //function/echo')],
  ['no slash', ['POST /function HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', text(404, 'Cannot POST /function')],
  [
    'empty name',
    ['POST /function/ HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    byHandler(404, 'function not found:  (invalid function reference "": function name is empty)'),
  ],
  ['upper', ['POST /Function/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', text(404, 'Cannot POST /Function/echo')],
  [
    'backslash',
    ['POST /function/echo\\..\\x HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    byHandler(
      404,
      'function not found: echo\\..\\x (invalid function reference "echo\\..\\x": function name "echo\\." is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  [
    'long name',
    [`POST /function/${'a'.repeat(1100)} HTTP/1.1`, HOST, 'Content-Length: 2'],
    'hi',
    byHandler(404, 'function not found: ' + 'a'.repeat(280), 3399),
  ],
  ['long path', [`POST /function/echo/${'a'.repeat(1100)} HTTP/1.1`, HOST, 'Content-Length: 2'], 'hi', served('hi')],
  [
    'huge header',
    ['POST /function/echo HTTP/1.1', HOST, `X-Big: ${'a'.repeat(20000)}`, 'Content-Length: 2'],
    'hi',
    json(431, '{"error":"Request Header Fields Too Large","message":"Exceeded maximum allowed HTTP header size","statusCode":431}', false),
  ],
  [
    'te and cl',
    ['POST /function/echo HTTP/1.1', HOST, 'Content-Length: 2', 'Transfer-Encoding: chunked'],
    '2\r\nhi\r\n0\r\n\r\n',
    json(400, '{"error":"Bad Request","message":"Client Error","statusCode":400}', false),
  ],
  ['bad type', ['POST /function/echo HTTP/1.1', HOST, 'Content-Type: ;;', 'Content-Length: 2'], 'hi', text(415, 'Unsupported Media Type')],
  [
    'odd type',
    ['POST /function/echo HTTP/1.1', HOST, 'Content-Type: text/x-odd; a=b', 'Content-Length: 2'],
    'hi',
    served('hi', 'text/x-odd; a=b'),
  ],
  [
    'query no type',
    ['QUERY /function/echo HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    text(400, "Method 'QUERY' must provide a 'Content-Type' header."),
  ],
  ['get with body', ['GET /function/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', served('', null)],
  ['delete with body', ['DELETE /function/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', served('hi')],
  ['options', ['OPTIONS /function/echo HTTP/1.1', HOST], undefined, served('', null)],
  ['options type no body', ['OPTIONS /function/echo HTTP/1.1', HOST, 'Content-Type: text/plain'], undefined, served('')],
  ['head', ['HEAD /function/echo HTTP/1.1', HOST], undefined, served('', null)],
  ['propfind', ['PROPFIND /function/echo HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', text(404, 'Cannot PROPFIND /function/echo')],
  [
    'cross site',
    ['POST /function/echo HTTP/1.1', HOST, 'Origin: https://evil.example', 'Sec-Fetch-Site: cross-site', 'Content-Length: 2'],
    'hi',
    served('hi'),
  ],
  [
    'over limit',
    ['POST /function/echo HTTP/1.1', HOST, 'Content-Length: 999999999999'],
    undefined,
    text(413, 'request body is larger than the limit of 33554432 bytes'),
  ],
  [
    'bad length',
    ['POST /function/echo HTTP/1.1', HOST, 'Content-Length: abc'],
    'hi',
    json(400, '{"error":"Bad Request","message":"Client Error","statusCode":400}', false),
  ],
  ['chunked', ['POST /function/echo HTTP/1.1', HOST, 'Transfer-Encoding: chunked'], '2\r\nhi\r\n0\r\n\r\n', served('hi')],
  ['unknown fn', ['POST /function/nope HTTP/1.1', HOST, 'Content-Length: 2'], 'hi', byHandler(404, 'function not found: nope.openfaas-fn')],
  [
    'bad ns',
    ['POST /function/echo.Bad HTTP/1.1', HOST, 'Content-Length: 2'],
    'hi',
    byHandler(
      404,
      'function not found: echo.Bad (invalid function reference "echo.Bad": namespace "Bad" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit))',
    ),
  ],
  ['http10 no host', ['POST /function/echo HTTP/1.0', 'Content-Length: 2'], 'hi', served('hi')],
];

function parse(raw: string): Answer {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = (end < 0 ? raw : raw.slice(0, end)).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? '' : raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = body.replace(/(^|\r\n)[0-9a-f]+\r\n/gi, '').replace(/\r\n$/, '');
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body };
}

describe('sync invoke fast lane: no check of the Fastify route is lost (#15)', () => {
  let platform: Platform;
  let port: number;

  /** Sends `head` (request line and headers, no final blank line) and `body` on a new connection, reads the answer. */
  async function send(head: string[], body = ''): Promise<Answer> {
    const socket = await openSocket(port);
    const closed = socketClosed(socket);
    const lines = head.map((line) => (line === HOST ? `Host: 127.0.0.1:${port}` : line));
    socket.write(`${[...lines, 'Connection: close', '', ''].join('\r\n')}${body}`);
    return parse(await closed);
  }
  beforeAll(async () => {
    platform = await Platform.start();
    port = platform.ports.gateway;
    await platform.deployEcho();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it.each(CASES)('%s: answered as when Fastify routed it', async (_name, head, body, expected) => {
    const answer = await send(head, body);
    const { date: _date, 'x-call-id': _id, 'x-start-time': _start, 'x-duration-seconds': _duration, ...headers } = answer.headers;
    expect({ status: answer.status, headers, body: answer.body.slice(0, 300) }).toEqual(expected);
  });
});
