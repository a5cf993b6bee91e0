import type { InvokeResponse } from '@skiff/invoke/invoke.types';
import { FunctionContext } from './inproc.context';

describe('FunctionContext', () => {
  let answers: InvokeResponse[];
  let sut: FunctionContext;
  const body = () => Buffer.from(answers[0].body).toString();

  beforeEach(() => {
    answers = [];
    sut = new FunctionContext('host-1', (res) => answers.push(res));
  });

  describe('succeed', () => {
    it('answers a string as text/html with status 200', () => {
      sut.succeed('hi');
      expect(answers[0]).toMatchObject({ status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
      expect(body()).toBe('hi');
    });
    it('answers an object or array as JSON', () => {
      sut.succeed([1, { a: 2 }]);
      expect(answers[0].headers['Content-Type']).toMatch(/^application\/json/);
      expect(body()).toBe('[1,{"a":2}]');
    });
    it('answers undefined with an empty body and no Content-Type', () => {
      sut.succeed(undefined);
      expect(answers[0]).toMatchObject({ status: 200, headers: {} });
      expect(answers[0].body.length).toBe(0);
    });
    it('keeps the Content-Type the handler set', () => {
      sut.headers({ 'content-type': 'text/csv', 'X-N': 3 }).succeed('a,b');
      expect(answers[0].headers).toEqual({ 'content-type': 'text/csv', 'X-N': '3' });
    });
    it('only answers once', () => {
      sut.succeed('one');
      sut.succeed('two');
      sut.fail('three');
      expect(answers).toHaveLength(1);
    });
  });

  describe('status', () => {
    it('is chainable and readable', () => {
      expect(sut.status(201)).toBe(sut);
      expect(sut.status()).toBe(201);
    });
  });

  describe('fail', () => {
    it('answers 500 with the error text', () => {
      sut.fail(new Error('boom'));
      expect(answers[0].status).toBe(500);
      expect(body()).toBe('Error: boom');
    });
    it('keeps a status the handler set', () => {
      sut.status(422).fail('invalid');
      expect(answers[0].status).toBe(422);
    });
  });

  describe('callback', () => {
    it('fails on an error and succeeds otherwise', () => {
      sut.callback(undefined, 'ok');
      expect(body()).toBe('ok');
    });
  });
});
