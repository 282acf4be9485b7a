export * from './agent-schema.js';
export * from './audio.js';
export * from './errors.js';
export * from './providers.js';
export * from './visemes-types.js';
export * from './async-queue.js';
export * from './deadline.js';
export * from './dialogue-types.js';
