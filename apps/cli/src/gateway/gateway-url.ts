import { usageError } from '../cli-error';

/** Gateway used when nothing else names one. */
export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

/** Normalises a gateway URL (no trailing slash); throws a usage error when it is not http(s). */
export function normaliseGateway(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw usageError(`gateway "${raw}" is not a URL`, 'use e.g. --gateway http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`gateway "${raw}" must be http:// or https://`);
  return url.toString().replace(/\/+$/, '');
}

/** faas-cli's precedence: --gateway > SKIFF_URL (or OPENFAAS_URL) > stack.yml provider.gateway > default. */
export function resolveGateway(flag: string | undefined, yamlGateway?: string): string {
  return normaliseGateway(flag || process.env.SKIFF_URL || process.env.OPENFAAS_URL || yamlGateway || DEFAULT_GATEWAY);
}
