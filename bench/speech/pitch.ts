export { pitchTrack } from '@visemo/speech';

export interface PitchStatistics {
  /** Standard deviation of F0 over voiced frames, in semitones: flat, monotone speech is low. */
  spreadSemitones: number;
  /** F0 range between the 10th and 90th percentile, in semitones. */
  rangeSemitones: number;
  /** Mean |ΔF0| between adjacent voiced frames, semitones per 10 ms: jumpy contours are high. */
  jitterSemitones: number;
  voicedFraction: number;
}

export function pitchStatistics(tracks: readonly number[][]): PitchStatistics {
  const semis: number[] = [];
  let deltas = 0;
  let deltaCount = 0;
  let frames = 0;
  for (const track of tracks) {
    frames += track.length;
    // Each utterance relative to its own median, so voices of different height compare.
    const voiced = track.filter((f) => f > 0);
    if (voiced.length === 0) continue;
    const median = [...voiced].sort((a, b) => a - b)[voiced.length >> 1] as number;
    for (let i = 0; i < track.length; i++) {
      const f = track[i] as number;
      if (f <= 0) continue;
      semis.push(12 * Math.log2(f / median));
      const prev = track[i - 1] ?? 0;
      // Octave errors of the tracker are not contour: jumps over 4 semitones are left out.
      const step = prev > 0 ? Math.abs(12 * Math.log2(f / prev)) : Number.NaN;
      if (step < 4) {
        deltas += step;
        deltaCount++;
      }
    }
  }
  const mean = semis.reduce((s, v) => s + v, 0) / semis.length;
  const sd = Math.sqrt(semis.reduce((s, v) => s + (v - mean) ** 2, 0) / semis.length);
  const sorted = [...semis].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return {
    spreadSemitones: sd,
    rangeSemitones: at(0.9) - at(0.1),
    jitterSemitones: deltas / deltaCount,
    voicedFraction: semis.length / frames,
  };
}
