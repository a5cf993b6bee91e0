import { FunctionRecord } from '@skiff/contracts';
import { subscribersOf } from './topic-map';

const fn = (service: string, topic?: string, namespace = 'openfaas-fn'): FunctionRecord =>
  ({
    spec: { service, image: 'x', namespace, annotations: topic === undefined ? {} : { topic } },
    replicas: 1,
    createdAt: '',
    updatedAt: '',
  }) as FunctionRecord;

describe('subscribersOf', () => {
  const records = [fn('a', 'orders'), fn('b', ' orders , billing'), fn('c', 'billing'), fn('d'), fn('e', 'orders.eu'), fn('f', 'ordersx')];

  it('matches each comma-separated entry exactly', () => {
    expect(subscribersOf('orders', records).map((s) => s.name)).toEqual(['a', 'b']);
    expect(subscribersOf('billing', records).map((s) => s.name)).toEqual(['b', 'c']);
    expect(subscribersOf('orders.eu', records).map((s) => s.name)).toEqual(['e']);
    expect(subscribersOf('nobody', records)).toEqual([]);
  });
});
