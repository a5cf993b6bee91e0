import { accessSync, constants, statSync } from 'node:fs';
import { ValidateBy, ValidationOptions } from 'class-validator';

/** True when `path` names a regular file this process can read. */
export function isReadableFile(path: unknown): boolean {
  if (typeof path !== 'string' || !path) return false;
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The variable names a file this process can read (credentials, keys). */
export function IsReadableFile(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isReadableFile',
      validator: {
        validate: (value) => isReadableFile(value),
        defaultMessage: (args) => `${args?.property} must name a readable file, got "${String(args?.value)}"`,
      },
    },
    options,
  );
}
