export * from './raw-route';
