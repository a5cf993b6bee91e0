// Hand-made bundles for the attacker tests: what `skiff build` would never produce (link chains,
// setuid files, a gzip bomb), packed with node-tar and pushed as any HTTP client can.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import type { HttpClient, HttpReply } from '@skiff/testing';

/** One entry of a hand-made bundle: file contents, or a symbolic link, with an optional mode. */
export type BundleEntry = string | { content: string; mode: number } | { symlink: string };

/** A bundle's bytes and digest. */
export interface MadeBundle {
  data: Buffer;
  digest: string;
}

/** A classic-mode manifest whose fprocess is `fprocess`. */
export function manifest(name: string, fprocess: string): string {
  return JSON.stringify({ schema: 1, name, lang: 'bash', fprocess, environment: { mode: 'classic' } });
}

/** Packs `entries` (in this order, manifest first unless given) into a tarball, optionally with zero bytes after it, gzipped. */
export async function makeBundle(entries: Record<string, BundleEntry>, trailingZeros = 0): Promise<MadeBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sec-bundle-'));
  try {
    for (const [path, entry] of Object.entries(entries)) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      if (typeof entry === 'string') writeFileSync(target, entry);
      else if ('symlink' in entry) symlinkSync(entry.symlink, target);
      else {
        writeFileSync(target, entry.content);
        chmodSync(target, entry.mode);
      }
    }
    const chunks: Buffer[] = [];
    for await (const chunk of tar.c(
      { cwd: dir, portable: true, noDirRecurse: true, follow: false },
      Object.keys(entries),
    ) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    const data = gzipSync(Buffer.concat([...chunks, Buffer.alloc(trailingZeros)]), { level: 9 });
    return { data, digest: `sha256:${createHash('sha256').update(data).digest('hex')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `PUT /system/bundles/<image>` as the CLI does it. */
export function pushBundle(gw: HttpClient, image: string, bundle: MadeBundle): Promise<HttpReply> {
  return gw.put(`/system/bundles/${image}`, bundle.data, {
    headers: { 'content-type': 'application/gzip', 'x-skiff-bundle-digest': bundle.digest },
  });
}
