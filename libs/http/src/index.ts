export * from './front-lane';
export * from './raw-body';
export * from './raw-route';
