import { canonicalHeaderName, cgiEnv } from './cgi-env';

describe('canonicalHeaderName', () => {
  it.each([
    ['x-call-id', 'X-Call-Id'],
    ['CONTENT-TYPE', 'Content-Type'],
    ['user-agent', 'User-Agent'],
    ['accept', 'Accept'],
  ])('%s → %s', (raw, canonical) => expect(canonicalHeaderName(raw)).toBe(canonical));
});

describe('cgiEnv', () => {
  const req = {
    method: 'POST',
    path: '/a/b',
    query: 'x=1&y=2',
    headers: { 'content-type': 'text/plain', 'x-call-id': 'abc', accept: ['text/html', 'application/json'] },
    body: Buffer.from('hello'),
  };

  it('adds one Http_ variable per header with the first value', () => {
    expect(cgiEnv(req)).toMatchObject({ Http_Content_Type: 'text/plain', Http_X_Call_Id: 'abc', Http_Accept: 'text/html' });
  });

  it('adds method, content length, query and path', () => {
    expect(cgiEnv(req)).toMatchObject({ Http_Method: 'POST', Http_Content_Length: '5', Http_Query: 'x=1&y=2', Http_Path: '/a/b' });
  });

  it('leaves out an empty query', () => {
    expect(cgiEnv({ ...req, query: '' })).not.toHaveProperty('Http_Query');
  });
});
