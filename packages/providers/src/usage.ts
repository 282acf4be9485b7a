/** Characters as TTS vendors bill them: code points, so an emoji or a CJK character counts once. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Seconds of audio in `samples` at `sampleRate`, as recognition vendors bill them. */
export function audioSeconds(samples: number, sampleRate: number): number {
  return samples / sampleRate;
}
