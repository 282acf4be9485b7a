export * from './audio/resample.js';
export * from './audio/wav.js';
export * from './align/index.js';
export * from './flite/flite-synthesizer.js';
export * from './flite/text-normalizer.js';
