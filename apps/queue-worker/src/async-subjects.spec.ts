import { SubjectRegistry } from '@skiff/contracts/subjects';

describe('async subjects', () => {
  const s = new SubjectRegistry('faas');

  it('names streams, consumers and buckets from the prefix', () => {
    expect(s.asyncCall('openfaas-fn', 'echo')).toBe('faas.async.openfaas-fn.echo');
    expect(s.asyncStream).toBe('FAAS_ASYNC');
    expect(s.asyncConsumer('openfaas-fn', 'echo')).toBe('fn_openfaas-fn_echo');
    expect(s.asyncDeadLetterFilter()).toBe('faas.dead.>');
    expect(s.asyncDeadLetterFilter('ns')).toBe('faas.dead.ns.*');
    expect(s.asyncDeadLetterFilter('ns', 'f')).toBe('faas.dead.ns.f');
  });

  it('reads the function back from an async, callback or dead-letter subject', () => {
    expect(s.asyncFunctionOf('faas.dead.ns.fn')).toEqual({ namespace: 'ns', name: 'fn' });
    expect(s.asyncFunctionOf('other.async.ns.fn')).toBeUndefined();
    expect(s.asyncFunctionOf('faas.async.ns')).toBeUndefined();
  });
});
