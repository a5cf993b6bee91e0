/** The topic router's registry cache. */
export const TOPIC_REGISTRY = 'TOPIC_REGISTRY';
/** The AsyncQueue the topic router submits its calls to. */
export const TOPIC_ASYNC_QUEUE = 'TOPIC_ASYNC_QUEUE';
