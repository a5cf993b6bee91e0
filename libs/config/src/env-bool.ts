import { Transform } from 'class-transformer';

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** Reads a boolean env var from `true/false/1/0/yes/no/on/off` (implicit conversion would turn "false" into true). */
export function EnvBool(): PropertyDecorator {
  return Transform(({ obj, key }) => {
    const raw: unknown = (obj as Record<string, unknown>)[key];
    if (typeof raw === 'boolean') return raw;
    if (TRUE.test(String(raw))) return true;
    if (FALSE.test(String(raw))) return false;
    return raw;
  });
}
