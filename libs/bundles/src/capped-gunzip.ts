import { createGunzip } from 'node:zlib';
import { BundleError } from './bundle-error';

/** Where decompressed bytes go (a node-tar Parser or Unpack). */
export interface TarSink {
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** Decompressed bytes a tar stream may hold beyond its files' contents: a header (and a long-name or pax header) and padding per entry. */
export const TAR_OVERHEAD_PER_ENTRY = 2048;
/**
 * How far the decompressed stream may run ahead of what the entries read so far explain: a zlib
 * chunk whose headers are not parsed yet, the end-of-archive blocks and the record padding tar
 * writers add. Padding beyond it is refused (node-tar is slow on long runs of zero blocks).
 */
export const TAR_SLACK = 1024 * 1024;

const MAGIC = [Buffer.from([0x1f, 0x8b]), Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];

/** A running gunzipInto. */
export interface Gunzipping {
  /** Resolves once everything was written and the sink ended; rejects with a BundleError. */
  done: Promise<void>;
  /** Stops decompressing (the sink gave up, e.g. a corrupt tar); `done` then never settles. */
  stop(): void;
}

/**
 * Gunzips `data` into `sink`, counting decompressed bytes in the stream itself and failing (and
 * stopping) as soon as they exceed `cap()`: what the tar headers claim is not what gzip may
 * produce (padding after the last entry, huge pax headers). A second compression layer is
 * refused too (node-tar would decompress it without any bound).
 */
export function gunzipInto(data: Buffer, sink: TarSink, cap: () => number): Gunzipping {
  const gunzip = createGunzip();
  let stopped = false;
  const stop = () => {
    stopped = true;
    gunzip.destroy();
  };
  const done = new Promise<void>((resolve, reject) => {
    let total = 0;
    const fail = (err: BundleError) => {
      if (stopped) return;
      stop();
      reject(err);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (stopped) return;
      if (total === 0 && MAGIC.some((m) => chunk.subarray(0, m.length).equals(m)))
        return fail(new BundleError('corrupt bundle: compressed twice (a bundle is one gzipped tar)'));
      total += chunk.length;
      const limit = cap();
      if (total > limit)
        return fail(
          new BundleError(
            `decompresses to more than ${limit} bytes (its files, their headers and padding); refused as a possible gzip bomb`,
          ),
        );
      if (!sink.write(chunk)) {
        gunzip.pause();
        sink.once('drain', () => gunzip.resume());
      }
    });
    gunzip.on('end', () => {
      if (stopped) return;
      sink.end();
      resolve();
    });
    gunzip.on('error', (err: Error) => fail(new BundleError(`corrupt bundle: ${err.message}`)));
  });
  gunzip.end(data);
  return { done, stop };
}
