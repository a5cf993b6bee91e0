import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { BundleError, extractBundle, inspectBundle, packBundle, safeEntryPath, treeDigest, treeStatSignature } from './index';

/** A raw tar entry for hand-made (possibly hostile) archives. */
interface RawEntry {
  path: string;
  type?: string;
  linkpath?: string;
  body?: string;
  mode?: number;
}

const MANIFEST = JSON.stringify({ schema: 1, name: 'f', lang: 'bash', fprocess: 'cat', environment: {} });

/** Builds a .tar.gz byte by byte, so the test controls every header field. */
function rawTarGz(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const header = new Header({
      path: e.path,
      type: (e.type ?? 'File') as never,
      linkpath: e.linkpath,
      size: body.length,
      mode: e.mode ?? 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (body.length) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const manifest: RawEntry = { path: 'skiff-bundle.json', body: MANIFEST };

describe('safeEntryPath', () => {
  it('normalises paths inside the root and refuses the others', () => {
    expect(safeEntryPath('./a/b/../c')).toBe('a/c');
    expect(() => safeEntryPath('../x')).toThrow(BundleError);
    expect(() => safeEntryPath('a/../../x')).toThrow(/outside/);
    expect(() => safeEntryPath('/etc/passwd')).toThrow(/absolute/);
    expect(() => safeEntryPath('C:\\x')).toThrow(/absolute/);
  });
});

describe('inspectBundle', () => {
  it('accepts a plain bundle and reads its manifest', async () => {
    const result = await inspectBundle(
      rawTarGz([manifest, { path: 'function/', type: 'Directory' }, { path: 'function/a.sh', body: 'cat' }]),
    );
    expect(result.manifest).toMatchObject({ name: 'f', lang: 'bash', fprocess: 'cat' });
    expect(result.entries).toBe(3);
  });

  it.each([
    ['a path outside the target', { path: '../evil.sh', body: 'x' }, /outside the bundle/],
    ['an absolute path', { path: '/tmp/evil.sh', body: 'x' }, /absolute path/],
    ['a symbolic link out of the bundle', { path: 'function/link', type: 'SymbolicLink', linkpath: '../../etc' }, /outside the bundle/],
    ['an absolute symbolic link', { path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }, /absolute path/],
    ['a hard link out of the bundle', { path: 'hard', type: 'Link', linkpath: '../outside' }, /outside the bundle/],
    ['a character device', { path: 'dev', type: 'CharacterDevice' }, /CharacterDevice/],
    ['a block device', { path: 'blk', type: 'BlockDevice' }, /BlockDevice/],
    ['a FIFO', { path: 'pipe', type: 'FIFO' }, /FIFO/],
  ])('refuses %s', async (_label, entry, reason) => {
    await expect(inspectBundle(rawTarGz([manifest, entry as RawEntry]))).rejects.toThrow(reason);
  });

  it('refuses data that is not gzip, a corrupt tar, and a bundle without manifest', async () => {
    await expect(inspectBundle(Buffer.from('hello'))).rejects.toThrow(/not a gzip/);
    await expect(inspectBundle(gzipSync(Buffer.from('x'.repeat(2000))))).rejects.toThrow(BundleError);
    const good = rawTarGz([manifest, { path: 'a', body: 'y'.repeat(3000) }]);
    await expect(inspectBundle(good.subarray(0, good.length - 40))).rejects.toThrow(/corrupt/);
    await expect(inspectBundle(rawTarGz([{ path: 'a', body: 'x' }]))).rejects.toThrow(/no skiff-bundle.json/);
    await expect(inspectBundle(rawTarGz([{ path: 'skiff-bundle.json', body: '{"schema":2}' }]))).rejects.toThrow(/schema must be 1/);
  });

  it.each([
    [
      'a chain of links that leaves the root (a→., b→a/.., c→b/..)',
      [
        { path: 'a', type: 'SymbolicLink', linkpath: '.' },
        { path: 'b', type: 'SymbolicLink', linkpath: 'a/..' },
        { path: 'c', type: 'SymbolicLink', linkpath: 'b/..' },
      ],
      /"[bc]" points outside/,
    ],
    [
      'a link through a link to a folder (d→sub/up/.., up→..)',
      [
        { path: 'sub/', type: 'Directory' },
        { path: 'sub/up', type: 'SymbolicLink', linkpath: '..' },
        { path: 'd', type: 'SymbolicLink', linkpath: 'sub/up/..' },
      ],
      /"d" points outside/,
    ],
    [
      'an entry written through a link',
      [
        { path: 'l', type: 'SymbolicLink', linkpath: '.' },
        { path: 'l/x', body: 'x' },
      ],
      /through the link "l"/,
    ],
    [
      'a hard link to a symbolic link',
      [
        { path: 'sub/', type: 'Directory' },
        { path: 'sub/up', type: 'SymbolicLink', linkpath: '..' },
        { path: 'copy', type: 'Link', linkpath: 'sub/up' },
      ],
      /points to the symbolic link/,
    ],
    [
      'a loop of links',
      [
        { path: 'x', type: 'SymbolicLink', linkpath: 'y/z' },
        { path: 'y', type: 'SymbolicLink', linkpath: 'x' },
      ],
      /more than 40 links/,
    ],
    [
      'a path twice',
      [
        { path: 'a', body: '1' },
        { path: 'a', type: 'SymbolicLink', linkpath: '..' },
      ],
      /appears twice|outside/,
    ],
  ])('refuses %s', async (_label, entries, reason) => {
    await expect(inspectBundle(rawTarGz([manifest, ...(entries as RawEntry[])]))).rejects.toThrow(reason);
  });

  it('accepts links that stay inside through chains (node_modules/.bin style)', async () => {
    const result = await inspectBundle(
      rawTarGz([
        manifest,
        { path: 'node_modules/pkg/bin.js', body: 'x' },
        { path: 'node_modules/.bin/pkg', type: 'SymbolicLink', linkpath: '../pkg/bin.js' },
        { path: 'a', type: 'SymbolicLink', linkpath: '.' },
        { path: 'b', type: 'SymbolicLink', linkpath: 'a/node_modules' },
        { path: 'hard', type: 'Link', linkpath: 'node_modules/pkg/bin.js' },
      ]),
    );
    expect(result.entries).toBe(6);
  });

  it('caps the decompressed stream, not only the sizes the headers claim (gzip bomb), and refuses a second compression layer', async () => {
    const tarOnly = gunzipSync(rawTarGz([manifest, { path: 'a', body: 'x' }]));
    // Within maxUnpackedBytes, but far more than the entries explain.
    const bomb = gzipSync(Buffer.concat([tarOnly, Buffer.alloc(8 * 1024 * 1024)]));
    await expect(inspectBundle(bomb, { maxEntries: 10, maxUnpackedBytes: 64 * 1024 * 1024 })).rejects.toThrow(/decompresses to more than/);
    const padded = gzipSync(Buffer.concat([tarOnly, Buffer.alloc(20 * 512)]));
    await expect(inspectBundle(padded)).resolves.toMatchObject({ entries: 2 });
    await expect(inspectBundle(gzipSync(rawTarGz([manifest])))).rejects.toThrow(/compressed twice/);
  });

  it('refuses more entries or bytes than the limits allow', async () => {
    const data = rawTarGz([manifest, { path: 'a', body: 'x'.repeat(100) }, { path: 'b', body: 'y' }]);
    await expect(inspectBundle(data, { maxEntries: 2, maxUnpackedBytes: 1e6 })).rejects.toThrow(/more than 2 entries/);
    await expect(inspectBundle(data, { maxEntries: 10, maxUnpackedBytes: 50 })).rejects.toThrow(/more than 50 bytes/);
  });
});

describe('packBundle / extractBundle', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bundle-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('packs deterministically and unpacks the same tree, links included', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'function'), { recursive: true });
    writeFileSync(join(src, 'skiff-bundle.json'), MANIFEST);
    writeFileSync(join(src, 'function', 'handler.sh'), 'cat\n');
    symlinkSync('handler.sh', join(src, 'function', 'alias.sh'));
    const a = await packBundle(src, join(dir, 'a.tgz'));
    const b = await packBundle(src, join(dir, 'b.tgz'));
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    const out = join(dir, 'out');
    const result = await extractBundle(readFileSync(join(dir, 'a.tgz')), out);
    expect(result.manifest.fprocess).toBe('cat');
    expect(readFileSync(join(out, 'function', 'handler.sh'), 'utf8')).toBe('cat\n');
    expect(readlinkSync(join(out, 'function', 'alias.sh'))).toBe('handler.sh');
  });

  it('masks modes: no setuid, setgid or sticky bit, nothing writable but by the owner; the tree digest sees any change', async () => {
    const entry = (path: string, mode: number): RawEntry & { mode: number } => ({ path, body: '#!/bin/sh\n', mode });
    const out = join(dir, 'out');
    await extractBundle(
      rawTarGz([
        manifest,
        entry('suid', 0o4755),
        entry('sgid', 0o2777),
        entry('plain', 0o666),
        { path: 'd/', type: 'Directory', mode: 0o1777 } as RawEntry,
      ]),
      out,
    );
    const mode = (p: string) => statSync(join(out, p)).mode & 0o7777;
    expect([mode('suid'), mode('sgid'), mode('plain'), mode('d'), mode('.')]).toEqual([0o755, 0o755, 0o644, 0o755, 0o755]);
    const digest = await treeDigest(out);
    const signature = await treeStatSignature(out);
    expect(await treeDigest(out)).toBe(digest);
    expect(await treeStatSignature(out)).toBe(signature);
    writeFileSync(join(out, 'plain'), '#!/bin/sh\n');
    expect(await treeStatSignature(out)).not.toBe(signature);
    expect(await treeDigest(out)).toBe(digest);
    writeFileSync(join(out, 'plain'), 'changed');
    expect(await treeDigest(out)).not.toBe(digest);
  });

  it('writes nothing when the bundle is refused', async () => {
    const out = join(dir, 'out');
    await expect(extractBundle(rawTarGz([manifest, { path: 'ok', body: '1' }, { path: '../escape', body: '2' }]), out)).rejects.toThrow(
      /outside/,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'escape'))).toBe(false);
  });
});
