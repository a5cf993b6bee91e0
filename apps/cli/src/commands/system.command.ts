import { Command } from 'commander';
import { CliError, EXIT, usageError } from '../cli-error';
import { CommandContext } from '../context';
import { durationMs } from '../deploy/key-values';
import { cliVersion } from '../version';

/** `skiff ready [NAME]`, `skiff version`. */
export function registerSystem(program: Command): void {
  program
    .command('ready')
    .argument('[name]', 'function to wait for (default: the gateway)')
    .description('wait until the gateway (or a function) is ready')
    .option('-n, --namespace <ns>', 'namespace')
    .option('--attempts <n>', 'attempts', '60')
    .option('--interval <duration>', 'pause between attempts', '1s')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const ctx = new CommandContext<{ namespace?: string; attempts: string; interval: string }>(cmd);
      if (!/^\d+$/.test(ctx.opts.attempts) || Number(ctx.opts.attempts) < 1) throw usageError('--attempts must be a whole number above 0');
      const attempts = Number(ctx.opts.attempts);
      const interval = durationMs(ctx.opts.interval, '--interval');
      const client = await ctx.gateway();
      const step = ctx.out.step(name ? `Waiting for ${name} to be ready` : `Waiting for ${client.url}`);
      let last = '';
      for (let i = 1; i <= attempts; i++) {
        try {
          if (!name) {
            const r = await client.call('GET', '/healthz', { accept: [500, 502, 503] });
            if (r.status === 200) return step.succeed(`${client.url} is ready`);
            last = `healthz answered ${r.status}`;
          } else {
            const r = await client.call('GET', `/system/function/${name}`, { query: { namespace: ctx.opts.namespace }, accept: [404] });
            if (r.status === 200 && ((JSON.parse(r.text) as { availableReplicas?: number }).availableReplicas ?? 0) > 0)
              return step.succeed(`${name} is ready`);
            last = r.status === 404 ? `${name} is not deployed` : `${name} has no ready replica`;
          }
        } catch (err) {
          if (err instanceof CliError && err.exitCode === EXIT.auth) throw err;
          last = (err as Error).message;
        }
        step.update(`(${i}/${attempts}: ${last})`);
        if (i < attempts) await new Promise((r) => setTimeout(r, interval));
      }
      step.fail();
      throw new CliError(`not ready after ${attempts} attempts: ${last}`, EXIT.failed);
    });

  program
    .command('version')
    .description('versions of the CLI and of the gateway and provider')
    .option('--short-version', 'only the CLI version')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext<{ shortVersion?: boolean }>(cmd);
      if (ctx.opts.shortVersion) return ctx.out.line(cliVersion());
      const client = await ctx.gateway();
      const info = await client.getJson<{
        provider?: { provider?: string; orchestration?: string; version?: { release?: string; sha?: string } };
        version?: { release?: string; sha?: string };
        arch?: string;
      }>('/system/info');
      if (ctx.out.json) return ctx.out.data({ cli: { version: cliVersion() }, gateway: { url: client.url, ...info } });
      ctx.out.fields([
        ['CLI version', cliVersion()],
        ['Gateway', client.url],
        ['Gateway version', `${info.version?.release ?? '?'} (${(info.version?.sha ?? '').slice(0, 12)})`],
        ['Architecture', info.arch ?? '?'],
        ['Provider', `${info.provider?.provider ?? '?'} (${info.provider?.orchestration ?? '?'})`],
        ['Provider version', `${info.provider?.version?.release ?? '?'} (${(info.provider?.version?.sha ?? '').slice(0, 12)})`],
      ]);
    });
}
