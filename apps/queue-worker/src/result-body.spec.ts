import { resultBody } from './result-body';

describe('resultBody', () => {
  it('keeps UTF-8 text as text', () => {
    expect(resultBody(Buffer.from('héllo'), 100)).toEqual({ body: 'héllo', bodyEncoding: 'utf8', bodyTruncated: false });
  });

  it('keeps binary as base64 and cuts at the limit', () => {
    expect(resultBody(Uint8Array.from([0xff, 0xfe, 0x00]), 100)).toEqual({
      body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
      bodyEncoding: 'base64',
      bodyTruncated: false,
    });
    expect(resultBody(Buffer.from('abcdef'), 3)).toEqual({ body: 'abc', bodyEncoding: 'utf8', bodyTruncated: true });
  });
});
