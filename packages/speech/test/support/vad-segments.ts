import type { VoiceActivityDetector } from '@visemo/core';

/** 20 ms at 16 kHz, as a server receives audio. */
const CHUNK = 320;

/** Runs a detector over audio in 20 ms chunks; returns its segments (an open one ends with the audio). */
export function vadSegments(
  vad: VoiceActivityDetector,
  samples: Int16Array,
): { startMs: number; endMs: number }[] {
  vad.reset();
  const segments: { startMs: number; endMs: number }[] = [];
  let open = -1;
  for (let i = 0; i < samples.length; i += CHUNK) {
    for (const event of vad.push(samples.subarray(i, i + CHUNK))) {
      if (event.type === 'speech-start') open = event.atMs;
      else if (open >= 0) {
        segments.push({ startMs: open, endMs: event.atMs });
        open = -1;
      }
    }
  }
  if (open >= 0) segments.push({ startMs: open, endMs: samples.length / 16 });
  return segments;
}
