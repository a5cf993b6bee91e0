import { downstreamHeaders, upstreamHeaders } from './invoke-headers';

describe('upstreamHeaders', () => {
  const meta = { callId: 'call-1', startTime: '1700000000000000000', remoteAddress: '10.0.0.7' };

  it('drops hop-by-hop, Host, Content-Length and Skiff-* headers', () => {
    const sut = upstreamHeaders(
      {
        host: 'gw:8080',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'h2c',
        'proxy-authorization': 'Basic x',
        'content-length': '5',
        'skiff-path': '/evil',
        'skiff-status': '200',
        'content-type': 'text/plain',
        accept: '*/*',
      },
      meta,
    );
    expect(Object.keys(sut).sort()).toEqual(['accept', 'content-type', 'x-call-id', 'x-forwarded-for', 'x-forwarded-host', 'x-start-time']);
  });

  it('drops headers the Connection header names', () => {
    const sut = upstreamHeaders({ connection: 'keep-alive, X-Private', 'x-private': '1', 'x-public': '2' }, meta);
    expect(sut['x-private']).toBeUndefined();
    expect(sut['x-public']).toBe('2');
  });

  it('adds the call id, start time and forwarding headers', () => {
    const sut = upstreamHeaders({ host: 'gw:8080' }, meta);
    expect(sut).toMatchObject({
      'x-call-id': 'call-1',
      'x-start-time': meta.startTime,
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-host': 'gw:8080',
    });
  });

  it('keeps forwarding headers the client set', () => {
    const sut = upstreamHeaders({ host: 'gw', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-host': 'public.example' }, meta);
    expect(sut['x-forwarded-for']).toBe('1.2.3.4');
    expect(sut['x-forwarded-host']).toBe('public.example');
  });

  it('appends its start time to one the caller sent', () => {
    expect(upstreamHeaders({ 'x-start-time': '1' }, meta)['x-start-time']).toEqual(['1', meta.startTime]);
  });

  it('keeps multi-value headers', () => {
    expect(upstreamHeaders({ 'set-cookie': ['a=1', 'b=2'] }, meta)['set-cookie']).toEqual(['a=1', 'b=2']);
  });
});

describe('downstreamHeaders', () => {
  it('drops hop-by-hop, Content-Length and Skiff-* and lower-cases names', () => {
    const sut = downstreamHeaders({
      'Content-Type': 'application/json',
      'Content-Length': '99',
      Connection: 'close',
      'Transfer-Encoding': 'chunked',
      'Skiff-Status': '200',
      'X-Custom': 'y',
    });
    expect(sut).toEqual({ 'content-type': 'application/json', 'x-custom': 'y' });
  });

  it('merges names that differ only in case', () => {
    expect(downstreamHeaders({ 'Set-Cookie': 'a=1', 'set-cookie': ['b=2'] })['set-cookie']).toEqual(['a=1', 'b=2']);
  });
});
