import { PassThrough, Readable } from 'node:stream';
import { ChunkReader, collectBody } from './body-stream';

describe('ChunkReader', () => {
  it('hands out what is buffered, cut to the chunk size, then null at the end', async () => {
    const reader = new ChunkReader(Readable.from([Buffer.from('abcdefghij')]), 4);
    const parts: string[] = [];
    for (let part = await reader.next(); part; part = await reader.next()) parts.push(part.toString());
    expect(parts).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('waits for data written later, one write at a time', async () => {
    const source = new PassThrough();
    const reader = new ChunkReader(source, 1024);
    source.write('data: one\n\n');
    expect((await reader.next())?.toString()).toBe('data: one\n\n');
    const second = reader.next();
    let settled = false;
    void second.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    source.end('data: two\n\n');
    expect((await second)?.toString()).toBe('data: two\n\n');
    expect(await reader.next()).toBeNull();
  });

  it('rejects when the source fails', async () => {
    const source = new PassThrough();
    const reader = new ChunkReader(source, 16);
    source.destroy(new Error('killed'));
    await expect(reader.next()).rejects.toThrow('killed');
  });
});

describe('collectBody', () => {
  async function* parts(...texts: string[]): AsyncGenerator<Uint8Array> {
    for (const t of texts) yield Buffer.from(t);
  }

  it('joins the first bytes and the rest', async () => {
    expect(Buffer.from(await collectBody(Buffer.from('ab'), parts('cd', 'ef'), 100)).toString()).toBe('abcdef');
  });

  it('refuses more than the limit', async () => {
    await expect(collectBody(Buffer.from('ab'), parts('cd', 'ef'), 5)).rejects.toThrow(/larger than 5 bytes/);
  });
});
