import { Command, CommanderError } from 'commander';
import { createColors } from 'picocolors';
import { CliError, EXIT } from './cli-error';
import { registerAsyncCommands } from './commands/async.command';
import { registerAuth } from './commands/auth.command';
import { registerBuild } from './commands/build.command';
import { registerDeploy } from './commands/deploy.command';
import { registerInvoke } from './commands/invoke.command';
import { registerList } from './commands/list.command';
import { registerLogs } from './commands/logs.command';
import { registerNamespace } from './commands/namespace.command';
import { registerNew } from './commands/new.command';
import { registerPublish } from './commands/publish.command';
import { registerPush } from './commands/push.command';
import { registerRemove } from './commands/remove.command';
import { registerScale } from './commands/scale.command';
import { registerSecret } from './commands/secret.command';
import { registerStore } from './commands/store.command';
import { registerSystem } from './commands/system.command';
import { registerUp } from './commands/up.command';
import { cliVersion } from './version';

/** The `skiff` program: faas-cli's commands and flags, for Skiff (and any OpenFaaS gateway). */
export function buildProgram(): Command {
  const program = new Command('skiff')
    .description('Skiff functions CLI: create, build, deploy and call functions (faas-cli compatible)')
    .version(cliVersion(), '--cli-version', 'print the CLI version')
    .option('-g, --gateway <url>', 'gateway URL (default: SKIFF_URL, OPENFAAS_URL, stack.yml provider.gateway, http://127.0.0.1:8080)')
    .option('-f, --yaml <file>', 'stack file (default stack.yaml, then stack.yml)')
    .option('--filter <glob>', 'only stack functions whose name matches the glob')
    .option('--regex <regex>', 'only stack functions whose name matches the regular expression')
    .option('--json', 'JSON output for scripts')
    .option('--no-color', 'no colour (also NO_COLOR=1; automatic when not a terminal)')
    .option('--no-envsubst', 'do not substitute ${VAR:-default} in the stack file')
    .showHelpAfterError('(run skiff help for the commands)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerAuth(program);
  registerNew(program);
  registerBuild(program);
  registerPush(program);
  registerDeploy(program);
  registerUp(program);
  registerInvoke(program);
  registerList(program);
  registerRemove(program);
  registerLogs(program);
  registerScale(program);
  registerPublish(program);
  registerSecret(program);
  registerNamespace(program);
  registerAsyncCommands(program);
  registerStore(program);
  registerSystem(program);
  program.commands.forEach(function exitOverride(c: Command) {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  });
  program.exitOverride();
  return program;
}

/** Prints an error as one line plus a hint and returns the exit code. */
export function report(err: unknown): number {
  const c = createColors(Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`${c.red('Error:')} ${err.message}\n`);
    if (err.hint) process.stderr.write(`${c.dim('Hint:')} ${err.hint}\n`);
    return err.exitCode;
  }
  // A refused bundle (libs/bundles BundleError), matched by name so startup does not load tar.
  if (err instanceof Error && err.name === 'BundleError') {
    process.stderr.write(`${c.red('Error:')} ${err.message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(`${c.red('Error:')} ${err instanceof Error ? (process.env.SKIFF_DEBUG ? err.stack : err.message) : String(err)}\n`);
  return EXIT.failed;
}

/** Runs the CLI on process.argv and sets the exit code. */
export async function run(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

if (require.main === module) void run();
