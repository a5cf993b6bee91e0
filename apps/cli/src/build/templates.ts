import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { builtinTemplatesDir } from '../paths';

/** How dependencies of a template's handler are installed at build. */
export type DependencyTool = 'npm' | 'pip' | 'none';

/** A function template (`template/<lang>/template.yml` plus files). */
export interface Template {
  /** Folder name = `lang`. */
  lang: string;
  /** Folder of the template. */
  dir: string;
  /** `project` (./template/<lang>) or `built-in`. */
  source: 'project' | 'built-in';
  /** `language` of template.yml. */
  language: string;
  /** Process the watchdog runs (empty for in-process templates). */
  fprocess: string;
  /** Printed by `skiff new`. */
  welcomeMessage: string;
  /** Folder of the handler skeleton inside the template (default `function`). */
  handlerFolder: string;
  /** Dependency installer. */
  dependencies: DependencyTool;
  /** Watchdog environment (mode, handler_module...). */
  environment: Record<string, string>;
  /** Only buildable as a Docker image. */
  dockerOnly: boolean;
  /**
   * Files of the Docker build context kept once in another template of the same folder
   * (`skiff.shared_files`: context path → path from this template's folder).
   */
  sharedFiles: Array<{ target: string; source: string }>;
}

interface TemplateYaml {
  language?: string;
  fprocess?: string;
  welcome_message?: string;
  handler_folder?: string;
  skiff?: { dependencies?: string; environment?: Record<string, unknown>; docker_only?: boolean; shared_files?: Record<string, unknown> };
}

/** Reads one template folder; undefined when it has no template.yml. */
export function readTemplate(dir: string, source: Template['source']): Template | undefined {
  const file = join(dir, 'template.yml');
  if (!existsSync(file)) return undefined;
  const y = (parse(readFileSync(file, 'utf8')) ?? {}) as TemplateYaml;
  const lang = dir.split(/[\\/]/).pop() as string;
  const deps = y.skiff?.dependencies;
  return {
    lang,
    dir,
    source,
    language: y.language ?? lang,
    fprocess: y.fprocess ?? '',
    welcomeMessage: y.welcome_message ?? '',
    handlerFolder: y.handler_folder ?? 'function',
    dependencies: deps === 'npm' || deps === 'pip' ? deps : existsSync(join(dir, 'requirements.txt')) ? 'pip' : 'none',
    environment: Object.fromEntries(Object.entries(y.skiff?.environment ?? {}).map(([k, v]) => [k, String(v)])),
    dockerOnly: Boolean(y.skiff?.docker_only),
    sharedFiles: sharedFiles(dir, y.skiff?.shared_files),
  };
}

/** `shared_files` entries whose source is a file of a sibling template (nothing outside the templates folder). */
function sharedFiles(dir: string, entries: Record<string, unknown> | undefined): Template['sharedFiles'] {
  const root = resolve(dir, '..');
  const out: Template['sharedFiles'] = [];
  for (const [target, from] of Object.entries(entries ?? {})) {
    const source = resolve(dir, String(from));
    if (!source.startsWith(root + sep) || isAbsolute(target) || target.split(/[\\/]/).includes('..')) continue;
    out.push({ target, source });
  }
  return out;
}

/** Template folders searched: the project's ./template (faas-cli layout) first, then the built-in ones. */
function roots(projectDir: string): Array<[string, Template['source']]> {
  return [
    [resolve(projectDir, 'template'), 'project'],
    [builtinTemplatesDir(), 'built-in'],
  ];
}

/** Every template available to a project (project templates shadow built-in ones of the same name). */
export function listTemplates(projectDir = process.cwd()): Template[] {
  const found = new Map<string, Template>();
  for (const [root, source] of roots(projectDir)) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || found.has(entry.name)) continue;
      const t = readTemplate(join(root, entry.name), source);
      if (t) found.set(entry.name, t);
    }
  }
  return [...found.values()].sort((a, b) => a.lang.localeCompare(b.lang));
}

/** The template of `lang`, or undefined. */
export function findTemplate(lang: string, projectDir = process.cwd()): Template | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(lang)) return undefined;
  for (const [root, source] of roots(projectDir)) {
    const t = readTemplate(join(root, lang), source);
    if (t) return t;
  }
  return undefined;
}
