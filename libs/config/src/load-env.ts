import { plainToInstance, ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describeValidationErrors } from '@skiff/contracts/validation';

/** Thrown at start-up when environment variables are invalid; names every bad one. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'EnvError';
  }
}

/**
 * Validates the environment against `cls` once: defaults come from the class's initialisers,
 * numbers and booleans are converted, and every bad variable is reported together.
 */
export function loadEnv<T extends object>(cls: ClassConstructor<T>, env: NodeJS.ProcessEnv): T {
  const defaults = new cls() as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const raw = env[key];
    if (raw === undefined || raw === '') plain[key] = defaults[key];
    // A field declared without a type annotation has no `design:type` (implicit conversion cannot
    // see it is a number), so numbers are converted from the default's type; NaN fails validation.
    else plain[key] = typeof defaults[key] === 'number' ? Number(raw) : raw;
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: true });
  const errors = validateSync(instance, { forbidUnknownValues: false });
  if (errors.length) throw new EnvError(describeValidationErrors(errors));
  return instance;
}
