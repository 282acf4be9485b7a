export { createDefaultVad, type DefaultVadOptions } from './default-vad.js';
export { EndpointerVad, type EndpointerVadOptions } from './endpointer-vad.js';
export { SileroVad, type SileroVadOptions } from './silero-vad.js';
export type { HangoverOptions } from './turn-state.js';
