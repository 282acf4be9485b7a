/**
 * The AudioContext time of the sample reaching the listener now, in seconds.
 *
 * `context.currentTime` is the time of the next block the audio thread will render, which is ahead
 * of what is heard by the output pipeline's latency (tens of ms, more on Bluetooth). Lips must
 * follow what is heard, so this uses `getOutputTimestamp()` — the context time being output at a
 * given `performance.now()` — and extrapolates it to now.
 */
export function heardTime(context: BaseAudioContext & Partial<AudioContext>): number {
  const rendered = context.currentTime;
  const stamp = typeof context.getOutputTimestamp === 'function' ? context.getOutputTimestamp() : undefined;
  if (stamp?.contextTime && stamp.performanceTime) {
    if (context.state !== 'running') return Math.min(stamp.contextTime, rendered);
    const now = stamp.contextTime + (performance.now() - stamp.performanceTime) / 1000;
    return Math.min(now, rendered);
  }
  return Math.max(0, rendered - (context.baseLatency ?? 0) - (context.outputLatency ?? 0));
}
