/**
 * `${VAR}`, `${VAR:-default}` and `${VAR-default}` substitution as faas-cli does on stack files
 * (`$$` escapes a dollar). Unset variables without a default become empty.
 */
export function envsubst(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (match, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const value = env[name as string];
      if (op === ':-') return value ? value : (fallback ?? '');
      if (op === '-') return value !== undefined ? value : (fallback ?? '');
      return value ?? '';
    },
  );
}
