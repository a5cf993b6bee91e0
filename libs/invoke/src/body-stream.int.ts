import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NatsConnection, connect, createInbox, headers as natsHeaders } from 'nats';
import { INVOKE_HEADERS, chunkBytes } from '@skiff/contracts/invoke-protocol';
import { TEST_NATS_URL } from '@skiff/testing';
import { BodyStreamError, pullBody, pullChunks, serveBody } from './body-stream';

describe('chunked bodies over real NATS', () => {
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
  });

  it('pulls a body several times max_payload intact', async () => {
    const body = randomBytes(3 * (nc.info?.max_payload ?? 1024 * 1024) + 123);
    const served = serveBody(nc, body, chunkBytes(nc.info?.max_payload));
    try {
      const got = await pullBody(nc, served.subject, body.length, Date.now() + 30_000);
      expect(got.equals(body)).toBe(true);
    } finally {
      served.close();
    }
  });

  it('refuses a body over the limit', async () => {
    const served = serveBody(nc, randomBytes(5000), 1000);
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
});
