import { ValidationArguments, ValidationOptions, registerDecorator, validateSync, ValidationError } from 'class-validator';
import { plainToInstance, ClassConstructor } from 'class-transformer';
import { DNS_LABEL_MAX, isDnsLabel } from './names';
import { ERROR_CODES, SkiffError } from './errors';

/** Longest string accepted in a label, annotation or env value (1 MiB would be absurd for metadata). */
export const MAX_METADATA_VALUE = 64 * 1024;

/** Most entries accepted in one string map. */
export const MAX_MAP_ENTRIES = 256;

/** A DNS-1123 label, with the faas-netes wording for the failure. */
export function IsDnsLabel(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDnsLabel',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => isDnsLabel(value),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property}: (${String(args.value)}) is invalid, must be a valid DNS entry ` +
          `(lower-case letters, digits and "-", at most ${DNS_LABEL_MAX} characters)`,
      },
    });
}

/** An object whose values are all strings (labels, annotations, envVars), of bounded size. */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => {
          if (value === null || value === undefined) return true;
          if (typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return (
            entries.length <= MAX_MAP_ENTRIES &&
            entries.every(([k, v]) => k.length > 0 && k.length <= 253 && typeof v === 'string' && v.length <= MAX_METADATA_VALUE)
          );
        },
        defaultMessage: (args: ValidationArguments) =>
          `${args.property}: must be an object of string values (at most ${MAX_MAP_ENTRIES} entries, values up to ${MAX_METADATA_VALUE} characters)`,
      },
    });
}

/** Flattens class-validator errors into `field: reason` lines, nested fields dotted. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      lines.push(message.includes(`${error.property}:`) ? message : `${path}: ${message}`);
    }
    if (error.children?.length) lines.push(...describeValidationErrors(error.children, path));
  }
  return lines;
}

/**
 * Turns a plain value into a validated instance of `cls`; unknown fields are dropped.
 * Throws a SkiffError (`request/invalid`, 400) naming every bad field.
 */
export function parsePayload<T extends object>(cls: ClassConstructor<T>, plain: unknown): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new SkiffError(ERROR_CODES.invalidRequest, 'request body must be a JSON object');
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: false });
  if (errors.length) {
    throw new SkiffError(ERROR_CODES.invalidRequest, describeValidationErrors(errors).join('; '));
  }
  return instance;
}
