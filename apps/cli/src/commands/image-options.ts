import { Command } from 'commander';
import { tagFormat, TagFormat } from '../build/image-tag';
import { imageMode, parallelism } from '../build/image.pipeline';

/** Options of the container-image flags. */
export interface ImageFlags {
  docker?: boolean;
  tag?: string;
  parallel?: string;
}

/** `--docker`/`--no-docker`, `--tag`, `--parallel` (faas-cli names) of build, push and up. */
export function addImageOptions(cmd: Command): Command {
  return cmd
    .option('--docker', 'container images (docker build/push) instead of bundles; the default when SKIFF_BACKEND is swarm or kubernetes')
    .option('--no-docker', 'bundles even when SKIFF_BACKEND names a container backend')
    .option('--tag <format>', 'images: latest (as in stack.yml), sha, branch or describe (git) appended to the tag', 'latest')
    .option('--parallel <n>', 'images: how many to build or push at once', '1');
}

/** The validated image flags. */
export function imageFlags(o: ImageFlags): { docker: boolean; tag: TagFormat; parallel: number } {
  return { docker: imageMode(o.docker), tag: tagFormat(o.tag), parallel: parallelism(o.parallel) };
}
