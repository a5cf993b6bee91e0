export * from './bundle-error';
export * from './bundle-limits';
export * from './bundle-archive';
export * from './bundle-store';
export * from './bundle-links';
export * from './bundle-tree';
