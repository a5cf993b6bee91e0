import { formatDuration } from './duration';

describe('formatDuration', () => {
  it('prints seconds', () => expect(formatDuration(1500)).toBe('1.5s'));
  it('marks 0 as none', () => expect(formatDuration(0)).toBe('0 (none)'));
});
