import { ChildProcess, spawn } from 'node:child_process';
import type { InvokeRequest } from '@skiff/invoke/invoke.types';
import { cgiEnv } from './cgi-env';

/** Splits `fprocess` on spaces, with no shell and no quoting, as the classic watchdog does. */
export function parseFprocess(fprocess: string): { command: string; args: string[] } {
  const [command, ...args] = fprocess.split(' ').filter(Boolean);
  return { command, args };
}

// process.env is an accessor object: copying it on every fork costs more than the fork itself needs.
let baseEnv: Record<string, string | undefined> | undefined;

/** Forks the function for one call, with the watchdog's environment plus the call's CGI variables. */
export function forkFunction(
  command: string,
  args: string[],
  req: InvokeRequest,
): ChildProcess & {
  stdin: NonNullable<ChildProcess['stdin']>;
  stdout: NonNullable<ChildProcess['stdout']>;
  stderr: NonNullable<ChildProcess['stderr']>;
} {
  baseEnv ??= { ...process.env };
  return spawn(command, args, { env: { ...baseEnv, ...cgiEnv(req) }, stdio: ['pipe', 'pipe', 'pipe'] }) as ReturnType<typeof forkFunction>;
}
