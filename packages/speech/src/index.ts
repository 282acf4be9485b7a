export * from './audio/resample.js';
export * from './audio/wav.js';
