import { CallbackPolicy } from './callback-policy';

describe('CallbackPolicy', () => {
  const sut = CallbackPolicy.parse('');

  describe('addressProblem (default: public unicast only)', () => {
    it.each([
      '127.0.0.1',
      '127.255.0.9',
      '0.0.0.0',
      '0.1.2.3',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '169.254.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '198.18.0.1',
      '240.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::ffff:10.0.0.1',
      '::127.0.0.1',
      '64:ff9b::a00:1',
      '2002:7f00:1::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '2001:db8::1',
    ])('refuses %s', (address) => {
      expect(sut.addressProblem(address)).toMatch(/refused unless listed in SKIFF_CALLBACK_ALLOW/);
    });

    it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
      expect(sut.addressProblem(address)).toBeUndefined();
    });

    it('names the range in the reason', () => {
      expect(sut.addressProblem('169.254.169.254')).toContain('linkLocal');
      expect(sut.addressProblem('::ffff:127.0.0.1')).toContain('127.0.0.1 is loopback');
    });
  });

  describe('hostProblem (before DNS)', () => {
    it('refuses literal forbidden addresses, bracketed IPv6 and localhost names', () => {
      for (const host of ['127.0.0.1', '[::1]', '[::ffff:7f00:1]', 'localhost', 'LOCALHOST.', 'api.localhost', '169.254.169.254']) {
        expect(sut.hostProblem(host)).toBeDefined();
      }
    });

    it('leaves other names to the resolver', () => {
      expect(sut.hostProblem('hooks.example.com')).toBeUndefined();
      expect(sut.hostProblem('8.8.8.8')).toBeUndefined();
    });
  });

  describe('SKIFF_CALLBACK_ALLOW', () => {
    const allowed = CallbackPolicy.parse(' 127.0.0.1/32, 10.1.0.0/16 ,fd00::/8, 192.168.1.5, hooks.internal., [::1]');

    it('opens listed CIDRs, addresses and names, and nothing next to them', () => {
      expect(allowed.addressProblem('127.0.0.1')).toBeUndefined();
      expect(allowed.addressProblem('::ffff:127.0.0.1')).toBeUndefined();
      expect(allowed.addressProblem('127.0.0.2')).toBeDefined();
      expect(allowed.addressProblem('10.1.200.3')).toBeUndefined();
      expect(allowed.addressProblem('10.2.0.1')).toBeDefined();
      expect(allowed.addressProblem('fd00::5')).toBeUndefined();
      expect(allowed.addressProblem('192.168.1.5')).toBeUndefined();
      expect(allowed.addressProblem('192.168.1.6')).toBeDefined();
      expect(allowed.addressProblem('::1')).toBeUndefined();
      expect(allowed.allowsName('HOOKS.internal')).toBe(true);
      expect(allowed.hostProblem('hooks.internal')).toBeUndefined();
      expect(allowed.hostProblem('localhost')).toBeDefined();
    });

    it('reports a bad entry', () => {
      expect(CallbackPolicy.problemOf('10.0.0.0/33')).toContain('10.0.0.0/33');
      expect(CallbackPolicy.problemOf('127.0.0.1/32,ex ample')).toContain('ex ample');
      expect(CallbackPolicy.problemOf('999.1.1.1')).toContain('999.1.1.1');
      expect(CallbackPolicy.problemOf('0x7f.1/8')).toContain('0x7f.1/8');
      expect(CallbackPolicy.problemOf('127.0.0.1/32, ::1/128, a.example')).toBeUndefined();
      expect(() => CallbackPolicy.parse('nope/1')).toThrow(/nope\/1/);
    });
  });
});
