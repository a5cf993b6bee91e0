export * from './async-message';
export * from './async-streams';
export * from './async-results';
export * from './async-bodies';
export * from './async-submitter';
export * from './dead-letters';
export * from './async-queue';
export * from './trigger-submission';
