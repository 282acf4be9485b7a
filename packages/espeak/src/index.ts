export { ESPEAK_SAMPLE_RATE, EspeakEngine, type EspeakEvent } from './espeak-engine.js';
export * from './espeak-synthesizer.js';
export { PAUSE, phonesFromEvents, wordsFromEvents } from './espeak-timing.js';
