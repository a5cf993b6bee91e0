import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NatsConnection, connect, createInbox, headers as natsHeaders } from 'nats';
import { INVOKE_HEADERS, chunkBytes } from '@skiff/contracts/invoke-protocol';
import { subjects } from '@skiff/contracts/subjects';
import { testNatsOptions } from '@skiff/testing';
import { Readable } from 'node:stream';
import { BodyStreamError, StreamedBody, pullBody, pullChunks, serveBody, serveStream } from './body-stream';

/** A source that makes its bytes only when read, and counts them. */
function countingSource(total: number, piece = 16 * 1024): Readable & { produced: number } {
  let produced = 0;
  const source = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const n = Math.min(piece, total - produced);
      produced += n;
      this.push(Buffer.alloc(n, produced % 251));
    },
  }) as Readable & { produced: number };
  Object.defineProperty(source, 'produced', { get: () => produced });
  return source;
}

describe('chunked bodies over real NATS', () => {
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
  });

  afterAll(async () => {
    await nc?.close();
  });

  it('pulls a body several times max_payload intact', async () => {
    const body = randomBytes(3 * (nc.info?.max_payload ?? 1024 * 1024) + 123);
    const served = serveBody(nc, body, chunkBytes(nc.info?.max_payload), subjects.bodyPull('ns', 'fn', 'big'));
    try {
      const got = await pullBody(nc, served.subject, body.length, Date.now() + 30_000);
      expect(got.equals(body)).toBe(true);
    } finally {
      served.close();
    }
  });

  it('refuses a body over the limit', async () => {
    const served = serveBody(nc, randomBytes(5000), 1000, subjects.bodyPull('ns', 'fn', 'over'));
    try {
      await expect(pullBody(nc, served.subject, 4000, Date.now() + 30_000)).rejects.toThrow(/larger than 4000 bytes/);
    } finally {
      served.close();
    }
  });

  it('ends with the reason the other side gives', async () => {
    const subject = createInbox();
    const sub = nc.subscribe(subject, {
      callback: (_err, msg) => {
        const h = natsHeaders();
        h.set(INVOKE_HEADERS.end, '1');
        h.set(INVOKE_HEADERS.error, 'the function timed out');
        msg.respond(Buffer.from('partial'), { headers: h });
      },
    });
    const seen: string[] = [];
    try {
      await expect(
        (async () => {
          for await (const part of pullChunks(nc, subject, Date.now() + 30_000)) seen.push(Buffer.from(part).toString());
        })(),
      ).rejects.toThrow(BodyStreamError);
      expect(seen).toEqual(['partial']);
    } finally {
      sub.unsubscribe();
    }
  });

  it('fails as a timeout when nobody serves the stream before the deadline', async () => {
    const subject = createInbox();
    const sub = nc.subscribe(subject); // never answers
    try {
      const err = await (async () => {
        for await (const _ of pullChunks(nc, subject, Date.now() + 300)) void _;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BodyStreamError);
      expect((err as BodyStreamError).timedOut).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });

  describe('serveStream', () => {
    it('serves a body still arriving, in order, intact', async () => {
      const chunk = 64 * 1024;
      const body = randomBytes(5 * chunk + 77);
      const source = new Readable({ read() {} });
      const streamed: StreamedBody = { source, size: body.length, maxBytes: body.length };
      const served = serveStream(nc, streamed, chunk, subjects.bodyPull('ns', 'fn', 'arriving'));
      let at = 0;
      const feed = setInterval(() => {
        if (at >= body.length) return;
        source.push(body.subarray(at, at + 10_000));
        at += 10_000;
        if (at >= body.length) source.push(null);
      }, 1);
      try {
        const got = await pullBody(nc, served.subject, body.length, Date.now() + 30_000);
        expect(got.equals(body)).toBe(true);
      } finally {
        clearInterval(feed);
        served.close();
      }
    });

    it('reads the source only while a pull waits', async () => {
      const chunk = 64 * 1024;
      const source = countingSource(100 * chunk);
      const served = serveStream(nc, { source, maxBytes: 200 * chunk }, chunk, subjects.bodyPull('ns', 'fn', 'lazy'));
      try {
        await new Promise((r) => setTimeout(r, 200));
        const before = source.produced;
        expect(before).toBeLessThanOrEqual(source.readableHighWaterMark + 16 * 1024);
        const parts = pullChunks(nc, served.subject, Date.now() + 30_000);
        expect((await parts.next()).value).toHaveLength(chunk);
        await new Promise((r) => setTimeout(r, 200));
        expect(source.produced).toBeLessThanOrEqual(before + chunk + source.readableHighWaterMark + 16 * 1024);
        await parts.return(undefined);
      } finally {
        served.close();
        source.destroy();
      }
    });

    it('ends with an error and marks the body when it grows over the limit', async () => {
      const source = countingSource(50_000);
      const streamed: StreamedBody = { source, maxBytes: 20_000 };
      const served = serveStream(nc, streamed, 8_000, subjects.bodyPull('ns', 'fn', 'large'));
      try {
        await expect(pullBody(nc, served.subject, 1_000_000, Date.now() + 30_000)).rejects.toThrow(/larger than 20000 bytes/);
        expect(streamed.tooLarge).toBe(true);
      } finally {
        served.close();
      }
    });

    it('ends with an error when the client goes away or sends less than it announced', async () => {
      const gone = new Readable({ read() {} });
      gone.push(Buffer.alloc(1000));
      const served = serveStream(nc, { source: gone, maxBytes: 1_000_000 }, 64 * 1024, subjects.bodyPull('ns', 'fn', 'gone'));
      setTimeout(() => gone.destroy(), 100);
      try {
        await expect(pullBody(nc, served.subject, 1_000_000, Date.now() + 30_000)).rejects.toThrow(/went away|broke off/);
      } finally {
        served.close();
      }
      const short = Readable.from([Buffer.alloc(500)]);
      const shortServed = serveStream(
        nc,
        { source: short, size: 900, maxBytes: 1_000_000 },
        64 * 1024,
        subjects.bodyPull('ns', 'fn', 'short'),
      );
      try {
        await expect(pullBody(nc, shortServed.subject, 1_000_000, Date.now() + 30_000)).rejects.toThrow(/500 bytes, not the 900 announced/);
      } finally {
        shortServed.close();
      }
    });
  });
});
