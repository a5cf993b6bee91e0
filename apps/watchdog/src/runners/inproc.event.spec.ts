import type { InvokeRequest } from '@skiff/invoke/invoke.types';
import { BodyParseError, parseQuery, toFunctionEvent } from './inproc.event';

const req = (contentType: string | undefined, body: string): InvokeRequest => ({
  method: 'POST',
  path: '/p',
  query: '',
  headers: contentType ? { 'Content-Type': contentType } : {},
  body: Buffer.from(body),
});

describe('toFunctionEvent', () => {
  it('parses application/json', () =>
    expect(toFunctionEvent(req('application/json; charset=utf-8', '{"a":1}'), false).body).toEqual({ a: 1 }));
  it('parses +json types', () => expect(toFunctionEvent(req('application/cloudevents+json', '[1]'), false).body).toEqual([1]));
  it('gives {} for an empty JSON body', () => expect(toFunctionEvent(req('application/json', ''), false).body).toEqual({}));
  it('throws BodyParseError on bad JSON', () => expect(() => toFunctionEvent(req('application/json', '{'), false)).toThrow(BodyParseError));
  it('gives text/* as a string', () => expect(toFunctionEvent(req('text/csv', 'a,b'), false).body).toBe('a,b'));
  it('gives a body without Content-Type as a string', () => expect(toFunctionEvent(req(undefined, 'hi'), false).body).toBe('hi'));
  it('parses a form', () =>
    expect(toFunctionEvent(req('application/x-www-form-urlencoded', 'a=1&b=2'), false).body).toEqual({ a: '1', b: '2' }));
  it('gives other types as a Buffer', () => expect(toFunctionEvent(req('image/png', 'xy'), false).body).toEqual(Buffer.from('xy')));
  it('gives a Buffer for anything with RAW_BODY', () =>
    expect(toFunctionEvent(req('application/json', '{}'), true).body).toEqual(Buffer.from('{}')));
  it('lower-cases header names', () =>
    expect(toFunctionEvent(req('text/plain', ''), false).headers).toEqual({ 'content-type': 'text/plain' }));
  it('gives an empty query as {}', () => expect(toFunctionEvent(req(undefined, ''), false).query).toEqual({}));
});

describe('parseQuery', () => {
  it('turns repeated keys into arrays', () => expect(parseQuery('a=1&a=2&b=x')).toEqual({ a: ['1', '2'], b: 'x' }));
  it('decodes values', () => expect(parseQuery('q=hello%20world&r=a+b')).toEqual({ q: 'hello world', r: 'a b' }));
  it('ignores __proto__', () => expect(Object.getPrototypeOf(parseQuery('__proto__=x'))).toBe(Object.prototype));
});
