import { envsubst } from './envsubst';

describe('envsubst', () => {
  const env = { SET: 'value', EMPTY: '' };

  it('substitutes variables with faas-cli defaults', () => {
    expect(envsubst('a ${SET} b', env)).toBe('a value b');
    expect(envsubst('${MISSING:-fallback}', env)).toBe('fallback');
    expect(envsubst('${EMPTY:-fallback}', env)).toBe('fallback');
    expect(envsubst('${EMPTY-fallback}', env)).toBe('');
    expect(envsubst('${MISSING-fallback}', env)).toBe('fallback');
    expect(envsubst('${MISSING}', env)).toBe('');
  });

  it('leaves $$ as a literal dollar and plain $WORDS alone', () => {
    expect(envsubst('cost $$5 and $SET', env)).toBe('cost $5 and $SET');
  });
});
