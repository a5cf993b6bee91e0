import { SubjectRegistry } from './subjects';

/** A fresh copy of the module: the shared one already has the test run's prefix (test/setup-env.js). */
function freshModule(): typeof import('./subjects') {
  let loaded: typeof import('./subjects') | undefined;
  jest.isolateModules(() => {
    loaded = jest.requireActual<typeof import('./subjects')>('./subjects');
  });
  return loaded!;
}

describe('the process subject registry', () => {
  it('refuses to name anything before its prefix is set (nothing can capture a name at import time)', () => {
    const { subjects } = freshModule();
    expect(() => subjects.invoke('openfaas-fn', 'echo')).toThrow(/subject prefix is not set yet/);
    expect(() => subjects.asyncStream).toThrow(/subject prefix is not set yet/);
  });

  it('names everything with the prefix it was given, as a registry built with that prefix does', () => {
    const { subjects, useSubjectPrefix } = freshModule();
    expect(useSubjectPrefix('t-1')).toBe(subjects);
    const built = new SubjectRegistry('t-1');
    expect(subjects.prefix).toBe('t-1');
    expect(subjects.streamPrefix).toBe('T_1');
    expect(subjects.invoke('openfaas-fn', 'echo')).toBe(built.invoke('openfaas-fn', 'echo'));
    expect(subjects.asyncStream).toBe('T_1_ASYNC');
    expect(subjects.queues.provider).toBe('t-1-provider');
  });

  it('keeps one prefix per process: the same again is fine, another is refused', () => {
    const { useSubjectPrefix } = freshModule();
    useSubjectPrefix('one');
    expect(() => useSubjectPrefix('one')).not.toThrow();
    expect(() => useSubjectPrefix('two')).toThrow(/already "one"/);
  });

  it('refuses a prefix that is not one NATS token', () => {
    const { useSubjectPrefix } = freshModule();
    expect(() => useSubjectPrefix('a.b')).toThrow(/invalid/);
  });

  it('leaves registries built with their own prefix alone', () => {
    expect(new SubjectRegistry('other').invoke('ns', 'fn')).toBe('other.invoke.ns.fn');
  });
});
