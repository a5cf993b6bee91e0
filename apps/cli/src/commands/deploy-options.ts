import { Command, Option } from 'commander';
import { collect, durationMs } from '../deploy/key-values';
import { DeployOptions } from '../deploy/deployer';

/** Flags of deploy, up and store deploy (faas-cli names). */
export function addDeployOptions(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <ns>', 'namespace of the function')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable; wins over stack.yml)', collect)
    .option('-l, --label <KEY=VALUE>', 'label (repeatable)', collect)
    .option('--annotation <KEY=VALUE>', 'annotation (repeatable)', collect)
    .option('--secret <name>', 'secret the function reads from /var/openfaas/secrets (repeatable)', collect)
    .option('--constraint <constraint>', 'placement constraint (repeatable)', collect)
    .option('--readonly', 'read-only root filesystem')
    .option('--cpu-limit <cpu>', 'CPU limit, e.g. 500m')
    .option('--memory-limit <memory>', 'memory limit, e.g. 128Mi')
    .option('--cpu-request <cpu>', 'CPU request')
    .option('--memory-request <memory>', 'memory request')
    .option('--replace', 'remove the function first, then create it')
    .option('--no-update', 'create only (POST); fail if it exists')
    .option('--no-wait', 'do not wait for a ready replica')
    .addOption(new Option('--timeout <duration>', 'longest wait for a ready replica').default('60s'));
}

/** The DeployOptions of a command's options. */
export function deployOptions(o: { replace?: boolean; update?: boolean; wait?: boolean; timeout?: string }): DeployOptions {
  return { replace: o.replace, update: o.update, wait: o.wait, timeoutMs: durationMs(o.timeout ?? '60s', '--timeout') };
}
