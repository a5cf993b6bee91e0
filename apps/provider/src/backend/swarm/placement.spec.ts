import { constraintProblem, constraintProblems } from './placement';

describe('swarm placement constraints', () => {
  it.each([
    'node.labels.zone==east',
    'node.labels.zone == east',
    'node.role!=manager',
    'node.role == Worker',
    'node.hostname==host-1.example',
    'node.id!=2ivku8v2gvtg4',
    'node.platform.os==linux',
    'node.platform.arch == x86_64',
    'engine.labels.storage==ssd',
    'node.ip==10.0.0.0/8',
    'node.ip!=192.168.1.4',
    'node.ip==fd00::/64',
    'NODE.LABELS.Gpu==true',
    'node.labels.path==/data/a b',
  ])('accepts %s', (c) => expect(constraintProblem(c)).toBeUndefined());

  it.each([
    ['node.labels.zone=east', /expected <key> == <value>/],
    ['', /expected <key> == <value>/],
    ['node.labels.zone', /expected/],
    ['node.labels.zone>=east', /expected/],
    ['==east', /invalid key ""/],
    ['node.labels.zone==', /invalid value ""/],
    ['node.labels.zone==<east>', /invalid value/],
    ['node.labels.zone!==east', /invalid key "node.labels.zone!"/],
    ['1node.role==manager', /invalid key/],
    ['node.labels.==x', /node.labels. needs a label name/],
    ['node.rolee==manager', /unknown key "node.rolee"/],
    ['labels.zone==east', /unknown key/],
    ['node.role==boss', /node.role is manager or worker/],
    ['node.ip==10.0.0.300', /node.ip is an IP address or a CIDR/],
    ['node.ip==10.0.0.0/33', /node.ip is an IP address or a CIDR/],
  ])('refuses %j (%s)', (c, reason) => expect(constraintProblem(c)).toMatch(reason));

  it('names every refused constraint, none when all are valid', () => {
    expect(constraintProblems(undefined)).toEqual([]);
    expect(constraintProblems(['node.role==worker', 'node.labels.zone=east', 'x'])).toEqual([
      expect.stringContaining('"node.labels.zone=east"'),
      expect.stringContaining('"x"'),
    ]);
  });
});
