import { cronScheduleOf, parseTriggerAnnotations, replyTopicOf, splitTopics, topicProblem } from './trigger-annotations';

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
    expect(parseTriggerAnnotations({ topic: 'cron-function', schedule: ' */2  * * * * * ', 'com.skiff.schedule.timezone': 'Europe/Paris' })).toEqual({ pattern: '*/2 * * * * *', timezone: 'Europe/Paris' });
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
    expect(bad({ topic: 'cron-function', schedule: '61 * * * *' })).toMatchObject({ status: 400, message: expect.stringMatching(/schedule "61 \* \* \* \*" is not a valid cron expression/) });
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
