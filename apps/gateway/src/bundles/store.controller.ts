import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Controller, Get, Inject } from '@nestjs/common';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';
import { BUNDLES_ENV, BundlesEnv } from './bundles.env';

/** The repository's store/functions.json, found by walking up from this file (source or dist). */
export function defaultStoreFile(from = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'store', 'functions.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** `GET /system/store`: the function store (OpenFaaS store v2 format) for the UI and `skiff store`. */
@Controller('system')
export class StoreController {
  constructor(@Inject(BUNDLES_ENV) private readonly env: BundlesEnv) {}

  @Get('store')
  async store(): Promise<unknown> {
    const file = this.env.SKIFF_STORE_FILE ? resolve(this.env.SKIFF_STORE_FILE) : defaultStoreFile();
    if (!file) throw new SkiffError(ERROR_CODES.functionNotFound, 'no function store configured (SKIFF_STORE_FILE)');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new SkiffError(ERROR_CODES.unavailable, `function store ${file} cannot be read: ${(err as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new SkiffError(ERROR_CODES.internal, `function store ${file} is not JSON: ${(err as Error).message}`);
    }
  }
}
