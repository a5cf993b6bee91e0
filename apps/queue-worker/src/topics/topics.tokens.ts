/** The topic router's registry cache. */
export const TOPIC_REGISTRY = 'TOPIC_REGISTRY';
/** The topic router's async submitter. */
export const TOPIC_SUBMITTER = 'TOPIC_SUBMITTER';
