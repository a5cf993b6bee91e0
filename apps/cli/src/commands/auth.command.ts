import { Command } from 'commander';
import { CliError, EXIT, usageError } from '../cli-error';
import { CommandContext } from '../context';
import { configFile, removeCredentials, saveCredentials } from '../gateway/credentials';
import { GatewayClient } from '../gateway/gateway.client';

/** Reads all of stdin. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `skiff login` / `skiff logout`: credentials per gateway in ~/.skiff/config.yml (0600). */
export function registerAuth(program: Command): void {
  program
    .command('login')
    .description('check credentials against the gateway and save them in ~/.skiff/config.yml')
    .option('-u, --username <user>', 'user name', 'admin')
    .option('-p, --password <password>', 'password (prefer --password-stdin: flags show in ps and shell history)')
    .option('-s, --password-stdin', 'read the password from stdin')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext<{ username: string; password?: string; passwordStdin?: boolean }>(cmd);
      const { username } = ctx.opts;
      let password = ctx.opts.password;
      if (ctx.opts.passwordStdin) {
        if (password) throw usageError('give either --password or --password-stdin');
        password = (await readStdin()).toString('utf8').trim();
      }
      if (!password) throw usageError('no password given', 'use --password-stdin (echo $PASSWORD | skiff login --password-stdin)');
      if (ctx.opts.password) ctx.out.warn('using --password is insecure; prefer --password-stdin');
      const base = await ctx.gateway();
      const client = new GatewayClient(base.url, { username, password, source: 'login' });
      const reply = await client.call('GET', '/system/functions', { accept: [401, 403] });
      if (reply.status === 401 || reply.status === 403) {
        throw new CliError(`the gateway at ${client.url} refused user ${username}: wrong user name or password`, EXIT.auth);
      }
      saveCredentials(client.url, username, password);
      ctx.out.line(`Credentials saved for ${username} ${client.url} in ${configFile()}`);
    });

  program
    .command('logout')
    .description('forget the saved credentials of the gateway')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      const { url } = await ctx.gateway();
      if (removeCredentials(url)) ctx.out.line(`Credentials removed for ${url}`);
      else ctx.out.line(`No credentials were saved for ${url}`);
    });
}
