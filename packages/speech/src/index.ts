export * from './align/index.js';
export * from './asr/index.js';
// The engines underneath, for code that measures or warms them up on their own.
export {
  createDecoder,
  loadSoundSwallower,
  type NativeDecoder,
  type SoundSwallowerRuntime,
} from './asr/soundswallower.js';
export * from './audio/clipping.js';
export * from './audio/concat-samples.js';
export * from './audio/intonation.js';
export * from './audio/loudness.js';
export * from './audio/noise-suppressor.js';
export * from './audio/pitch.js';
export * from './audio/resample.js';
export * from './audio/wav.js';
export * from './echo/index.js';
export * from './flite/flite-synthesizer.js';
export { type FliteModule, fliteModule, fliteWasmPath, wasiShimUrl } from './flite/flite-wasm.js';
export * from './flite/text-normalizer.js';
export {
  DEBIAN_PICO_LINGWARE,
  defaultPicoLingwareDir,
  hasPicoLingware,
  isPicoVoice,
  PICO_VOICES,
  PicoEngine,
  type PicoVoice,
} from './pico/pico-engine.js';
export * from './pico/pico-synthesizer.js';
export * from './speaker/index.js';
export * from './vad/index.js';
