export * from './align/index.js';
export * from './audio/resample.js';
export * from './audio/wav.js';
export { benchFlite } from './flite/bench-flite.js';
export * from './flite/flite-synthesizer.js';
export * from './flite/text-normalizer.js';
