import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { freePort, testNatsOptions, waitFor } from '@skiff/testing';
import { waitForJetStream } from './jetstream-ready';

/** A bare, anonymous nats-server of this test's own, with or without JetStream. */
function startServer(port: number, storeDir?: string): ChildProcess {
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(storeDir ? ['-js', '-sd', storeDir] : [])];
  return spawn(process.env.SKIFF_NATS_SERVER_BIN ?? 'nats-server', args, { stdio: 'ignore' });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = new Logger('test');
  logger.warn = (message: unknown) => void warnings.push(String(message));
  return { logger, warnings };
}

describe('waitForJetStream (real nats-server)', () => {
  const children: ChildProcess[] = [];
  const connections: NatsConnection[] = [];
  const store = mkdtempSync(join(tmpdir(), 'skiff-js-ready-'));

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await Promise.all(children.map(stopServer));
    rmSync(store, { recursive: true, force: true });
  });

  it('returns at once, without a warning, when JetStream answers', async () => {
    const nc = await connect(testNatsOptions());
    connections.push(nc);
    const { logger, warnings } = recordingLogger();
    await expect(waitForJetStream(nc, logger, 10_000)).resolves.toBe(true);
    expect(warnings).toEqual([]);
  });

  it('waits through "no responders" until a server with JetStream answers', async () => {
    const port = await freePort();
    const without = startServer(port);
    children.push(without);
    const nc = await waitFor(
      'the server without JetStream',
      () => connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: -1, reconnectTimeWait: 100 }).catch(() => undefined),
      10_000,
    );
    connections.push(nc);
    const { logger, warnings } = recordingLogger();
    const ready = waitForJetStream(nc, logger, 60_000);
    await waitFor('the warning', () => warnings.length > 0, 10_000);
    await stopServer(without);
    children.push(startServer(port, store));
    await expect(ready).resolves.toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('gives up after its deadline when the server has no JetStream', async () => {
    const port = await freePort();
    children.push(startServer(port));
    const nc = await waitFor(
      'the server without JetStream',
      () => connect({ servers: `127.0.0.1:${port}` }).catch(() => undefined),
      10_000,
    );
    connections.push(nc);
    const { logger, warnings } = recordingLogger();
    await expect(waitForJetStream(nc, logger, 1_000)).resolves.toBe(false);
    expect(warnings).toHaveLength(1);
  });
});
