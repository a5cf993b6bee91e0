import { spawnSync } from 'node:child_process';
import { CliError, EXIT } from '../cli-error';

/** faas-cli's `--tag` formats. */
export const TAG_FORMATS = ['latest', 'sha', 'branch', 'describe'] as const;

/** One of TAG_FORMATS. */
export type TagFormat = (typeof TAG_FORMATS)[number];

/** Validates a `--tag` value. */
export function tagFormat(raw: string | undefined): TagFormat {
  const value = (raw ?? 'latest').toLowerCase();
  if ((TAG_FORMATS as readonly string[]).includes(value)) return value as TagFormat;
  throw new CliError(`--tag "${raw}" is not one of ${TAG_FORMATS.join(', ')}`, EXIT.usage);
}

function git(dir: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new CliError(`--tag needs a git repository: git ${args.join(' ')} failed in ${dir}`, EXIT.usage);
  return r.stdout.trim();
}

/**
 * The image name with faas-cli's tag suffix: `sha` → `<tag>-<short sha>`, `branch` →
 * `<tag>-<branch>-<short sha>`, `describe` → `<tag>-<git describe>`; `latest` keeps the name.
 */
export function taggedImage(image: string, format: TagFormat, dir: string): string {
  if (format === 'latest') return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const [name, tag] = colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, 'latest'];
  const sha = () => git(dir, ['rev-parse', '--short', 'HEAD']);
  const suffix =
    format === 'sha'
      ? sha()
      : format === 'branch'
        ? `${git(dir, ['rev-parse', '--abbrev-ref', 'HEAD'])}-${sha()}`
        : git(dir, ['describe', '--tags', '--always', '--dirty']);
  return `${name}:${tag}-${suffix.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}
