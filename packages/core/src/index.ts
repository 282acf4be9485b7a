export * from './agent-schema.js';
export * from './audio.js';
export * from './errors.js';
export * from './providers.js';
export * from './visemes-types.js';
