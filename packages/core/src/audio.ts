/** Mono PCM16 audio. The pipeline's internal rate is 16 kHz (see `PIPELINE_SAMPLE_RATE`). */
export interface PcmAudio {
  samples: Int16Array;
  sampleRate: number;
}

export const PIPELINE_SAMPLE_RATE = 16_000;

export function durationMs(audio: PcmAudio): number {
  return (audio.samples.length / audio.sampleRate) * 1000;
}
