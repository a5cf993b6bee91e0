// Attacker tests for bundle archives (audit #15, #6): an admin-authenticated client (or anyone
// who got a bundle into a stack) pushes archives skiff build never makes; the gateway must refuse
// them with a reason, or the provider must unpack them harmlessly.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient, Platform, waitFor } from '@skiff/testing';
import { makeBundle, manifest, pushBundle } from './bundle-fixture';

jest.setTimeout(180_000);

const MAX_UNPACKED = 8 * 1024 * 1024;

describe('bundle archives (audit #15, #6)', () => {
  let platform: Platform;
  let gw: HttpClient;

  beforeAll(async () => {
    platform = await Platform.start({ env: { SKIFF_MAX_BUNDLE_UNPACKED_BYTES: String(MAX_UNPACKED) } });
    gw = platform.client();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('#15 refuses a symbolic link chain that leaves the bundle (a→., b→a/.., c→b/..) with 400 and the reason', async () => {
    const bundle = await makeBundle({
      'skiff-bundle.json': manifest('chain', 'cat'),
      a: { symlink: '.' },
      b: { symlink: 'a/..' },
      c: { symlink: 'b/..' },
    });
    const reply = await pushBundle(gw, 'sec/chain:1', bundle);
    expect([reply.status, reply.text]).toEqual([400, expect.stringMatching(/outside the bundle/)]);
    expect((await gw.get('/system/bundles/sec/chain:1')).status).toBe(404);
  });

  it('#15 refuses an entry written through a symbolic link, even one pointing inside', async () => {
    const bundle = await makeBundle({
      'skiff-bundle.json': manifest('through', 'cat'),
      dir: { symlink: '.' },
      'dir/x': 'written through a link\n',
    });
    const reply = await pushBundle(gw, 'sec/through:1', bundle);
    expect([reply.status, reply.text]).toEqual([400, expect.stringMatching(/written through the link "dir"/)]);
  });

  it('#15 refuses a gzip bomb: the decompressed stream is capped, not only the sizes the headers claim', async () => {
    // 64 MiB of zeros after a valid archive: the headers add up to a few bytes, gzip to ~64 KiB.
    const bundle = await makeBundle({ 'skiff-bundle.json': manifest('bomb', 'cat'), 'run.sh': 'echo hi\n' }, 64 * 1024 * 1024);
    expect(bundle.data.length).toBeLessThan(1024 * 1024);
    const reply = await pushBundle(gw, 'sec/bomb:1', bundle);
    expect([reply.status, reply.text]).toEqual([400, expect.stringMatching(/decompresses to more than/)]);
  });

  it('#15 strips setuid, setgid and sticky bits and write permission for others when a bundle is unpacked', async () => {
    const bundle = await makeBundle({
      'skiff-bundle.json': manifest('modes', 'sh run.sh'),
      'run.sh': "stat -c '%n %a' suid-bin sgid-bin open.txt\n",
      'suid-bin': { content: '#!/bin/sh\nid\n', mode: 0o4755 },
      'sgid-bin': { content: '#!/bin/sh\nid\n', mode: 0o2775 },
      'open.txt': { content: 'anyone may write me\n', mode: 0o666 },
    });
    expect((await pushBundle(gw, 'sec/modes:1', bundle)).status).toBe(201);
    expect((await gw.post('/system/functions', { service: 'modes', image: 'sec/modes:1' })).status).toBe(202);
    const reply = await waitFor(
      'modes to answer',
      async () => {
        const r = await gw.post('/function/modes', '');
        return r.status === 200 ? r : undefined;
      },
      90_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${platform.logs().slice(-8000)}`);
    });
    expect(reply.text.trim().split('\n')).toEqual(['suid-bin 755', 'sgid-bin 755', 'open.txt 644']);
    const dir = join(platform.dataDir, 'bundles', bundle.digest.slice('sha256:'.length));
    for (const name of ['suid-bin', 'sgid-bin', 'open.txt', 'run.sh', '.']) {
      const stat = statSync(join(dir, name));
      expect({ name, special: stat.mode & 0o7000, othersWrite: stat.mode & 0o022 }).toEqual({ name, special: 0, othersWrite: 0 });
      expect(stat.uid).toBe(process.getuid?.() ?? stat.uid);
    }
  });
});
