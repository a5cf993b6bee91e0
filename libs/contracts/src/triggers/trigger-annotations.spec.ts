import { cronProblem, cronScheduleOf, parseTriggerAnnotations, replyTopicOf, splitTopics, topicProblem } from './trigger-annotations';

describe('trigger annotations', () => {
  it('splits topics on commas, trims, drops empty entries and duplicates', () => {
    expect(splitTopics(' orders, billing ,,orders ')).toEqual(['orders', 'billing']);
    expect(splitTopics(undefined)).toEqual([]);
  });

  it('refuses topics that are not subject tokens', () => {
    expect(topicProblem('orders.eu')).toBeUndefined();
    expect(topicProblem('a b')).toMatch(/letters, digits/);
    expect(topicProblem('a.*')).toMatch(/letters, digits/);
    expect(topicProblem('a..b')).toMatch(/letters, digits/);
  });

  it('accepts 5- and 6-field schedules and a time zone', () => {
    expect(parseTriggerAnnotations({ topic: 'cron-function', schedule: '*/1 * * * *' })).toEqual({ pattern: '*/1 * * * *' });
    expect(
      parseTriggerAnnotations({ topic: 'cron-function', schedule: ' */2  * * * * * ', 'com.skiff.schedule.timezone': 'Europe/Paris' }),
    ).toEqual({ pattern: '*/2 * * * * *', timezone: 'Europe/Paris' });
    expect(parseTriggerAnnotations({ topic: 'orders' })).toBeUndefined();
  });

  it('rejects bad schedules with 400 and the reason', () => {
    const bad = (a: Record<string, string>) => {
      try {
        parseTriggerAnnotations(a);
      } catch (e) {
        return e as { status: number; message: string };
      }
      throw new Error('accepted');
    };
    expect(bad({ topic: 'cron-function', schedule: '61 * * * *' })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/schedule "61 \* \* \* \*" is not a valid cron expression/),
    });
    expect(bad({ topic: 'cron-function', schedule: '* * *' }).message).toMatch(/5 fields/);
    expect(bad({ topic: 'cron-function' }).message).toMatch(/schedule is required/);
    expect(bad({ topic: 'cron-function', schedule: '* * * * *', 'com.skiff.schedule.timezone': 'Mars/Olympus' }).message).toMatch(/IANA/);
    expect(cronScheduleOf({ topic: 'cron-function', schedule: 'nope' })).toBeUndefined();
  });
});

describe('reply annotation', () => {
  it('takes one topic; refuses lists, wildcards and empty values with 400', () => {
    expect(parseTriggerAnnotations({ 'com.skiff.topic.reply': ' results.eu ' })).toBeUndefined();
    expect(replyTopicOf({ 'com.skiff.topic.reply': ' results.eu ' })).toBe('results.eu');
    expect(replyTopicOf({ topic: 'x' })).toBeUndefined();
    expect(replyTopicOf({ 'com.skiff.topic.reply': 'a,b' })).toBeUndefined();
    for (const bad of ['a,b', 'a.*', '', 'a b']) {
      expect(() => parseTriggerAnnotations({ 'com.skiff.topic.reply': bad })).toThrow(/com\.skiff\.topic\.reply/);
    }
  });
});

describe('cronProblem: field ranges', () => {
  const five = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
  /** One 5-field expression with `value` in field `i`, `*` elsewhere. */
  const at = (i: number, value: string, fields = 5) => Array.from({ length: fields }, (_, j) => (j === i ? value : '*')).join(' ');

  it.each([
    ['minute', '60', '0-60', '*/61'],
    ['hour', '24', '0-24', '*/25'],
    ['day-of-month', '32', '0', '*/32'],
    ['day-of-month', '32', '1-32', '*/0'],
    ['month', '13', '0', '*/13'],
    ['day-of-week', '8', '1-8', '*/8'],
  ])('5 fields: %s refuses %s, %s and %s', (field, value, range, step) => {
    const i = five.indexOf(field);
    for (const bad of [value, range, step]) expect(cronProblem(at(i, bad))).toMatch(/is not a valid cron expression/);
    expect(cronProblem(at(i, step))).toMatch(new RegExp(`${field} step`));
  });

  it('6 fields: seconds first, with the same checks shifted by one', () => {
    expect(cronProblem(at(0, '60', 6))).toMatch(/not a valid cron expression/);
    expect(cronProblem(at(0, '*/61', 6))).toMatch(/second step "\/61"/);
    expect(cronProblem(at(1, '*/61', 6))).toMatch(/minute step "\/61"/);
    expect(cronProblem(at(2, '24', 6))).toMatch(/not a valid cron expression/);
    expect(cronProblem(at(5, '*/8', 6))).toMatch(/day-of-week step/);
    expect(cronProblem('*/2 * * * * *')).toBeUndefined();
  });

  it('accepts in-range values, steps up to the field size, lists, ranges with steps and names', () => {
    for (const ok of [
      '*/60 * * * *',
      '*/59 * * * *',
      '0 */24 * * *',
      '0 0 */31 * *',
      '0 0 1 */12 *',
      '0 0 * * */7',
      '5,10-20/5 * * * *',
      '0 9 * * MON-FRI',
      '0 0 1 JAN *',
      '0 0 L * *',
    ]) {
      expect(cronProblem(ok)).toBeUndefined();
    }
  });

  it('refuses non-numeric and empty steps, and reversed ranges', () => {
    expect(cronProblem('*/x * * * *')).toMatch(/minute step "\/x"/);
    expect(cronProblem('*/ * * * *')).toMatch(/minute step/);
    expect(cronProblem('5-2 * * * *')).toMatch(/not a valid cron expression/);
  });

  it('checks the time zone annotation', () => {
    expect(cronProblem('* * * * *', 'Europe/Paris')).toBeUndefined();
    expect(cronProblem('* * * * *', 'UTC')).toBeUndefined();
    expect(cronProblem('* * * * *', 'Mars/Olympus')).toMatch(/com\.skiff\.schedule\.timezone "Mars\/Olympus" is not an IANA time zone/);
    expect(() =>
      parseTriggerAnnotations({ topic: 'cron-function', schedule: '*/61 * * * *', 'com.skiff.schedule.timezone': 'Europe/Paris' }),
    ).toThrow(/minute step/);
  });
});
