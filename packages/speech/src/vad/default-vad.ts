import type { VoiceActivityDetector } from '@visemo/core';
import { SileroVad, type SileroVadOptions } from './silero-vad.js';

export type DefaultVadOptions = SileroVadOptions;

/**
 * The VAD the pipeline uses unless an agent picks another: Silero, which found speech spans within
 * tens of ms and never fired on noise in our measurements, where the endpointer fired on noise at
 * 10–20 dB SNR (docs/decisions/0020-vad.md).
 */
export async function createDefaultVad(options: DefaultVadOptions = {}): Promise<VoiceActivityDetector> {
  return new SileroVad(options);
}
