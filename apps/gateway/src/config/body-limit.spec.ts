import { BodyLimit, HEADER_ROOM_BYTES } from './body-limit';

describe('BodyLimit.fromConnection', () => {
  it('keeps the configured limit when it is below max_payload minus header room', () => {
    expect(BodyLimit.fromConnection(100_000, { info: { max_payload: 1_048_576 } as never }).bytes).toBe(100_000);
  });

  it('caps at max_payload minus 64 KiB', () => {
    expect(BodyLimit.fromConnection(32 * 1024 * 1024, { info: { max_payload: 8 * 1024 * 1024 } as never }).bytes).toBe(
      8 * 1024 * 1024 - HEADER_ROOM_BYTES,
    );
  });

  it('assumes the 1 MiB default when the server did not say', () => {
    expect(BodyLimit.fromConnection(32 * 1024 * 1024, { info: undefined }).bytes).toBe(1024 * 1024 - HEADER_ROOM_BYTES);
  });

  it('names the limit in its 413 message', () => {
    expect(new BodyLimit(1234).message).toContain('1234 bytes');
  });
});
