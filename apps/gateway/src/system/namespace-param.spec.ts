import 'reflect-metadata';
import { SkiffError } from '@skiff/contracts';
import { bodyObject, pathName, pickNamespace, withoutEmptyNamespace } from './namespace-param';

describe('pickNamespace', () => {
  it('takes the first non-empty candidate, else the default', () => {
    expect(pickNamespace('openfaas-fn', undefined, '', 'dev')).toBe('dev');
    expect(pickNamespace('openfaas-fn', 'body', 'query')).toBe('body');
    expect(pickNamespace('openfaas-fn')).toBe('openfaas-fn');
  });

  it.each(['Dev', 'a.b', '../x', ['a'], 5])('rejects %p with a 400', (value) => {
    expect(() => pickNamespace('openfaas-fn', value)).toThrow(SkiffError);
    try {
      pickNamespace('openfaas-fn', value);
    } catch (err) {
      expect((err as SkiffError).status).toBe(400);
    }
  });
});

describe('pathName', () => {
  it('accepts a DNS label and rejects anything else', () => {
    expect(pathName('echo')).toBe('echo');
    expect(() => pathName('echo.ns')).toThrow(/name: \(echo.ns\) is invalid/);
  });
});

describe('bodyObject', () => {
  it('treats no body as empty and rejects non-objects', () => {
    expect(bodyObject(undefined)).toEqual({});
    expect(() => bodyObject([1])).toThrow(/JSON object/);
    expect(() => bodyObject('x')).toThrow(/JSON object/);
  });
});

describe('withoutEmptyNamespace', () => {
  it('drops an empty namespace only', () => {
    expect(withoutEmptyNamespace({ a: 1, namespace: '' })).toEqual({ a: 1 });
    expect(withoutEmptyNamespace({ namespace: 'x' })).toEqual({ namespace: 'x' });
    expect(withoutEmptyNamespace('x')).toBe('x');
  });
});
