/**
 * The latency a person feels: from the end of their input (text sent, push-to-talk released, VAD
 * speech-end received, or `connect()` for the greeting) to the first sample of the answer heard,
 * in ms on `performance.now()`.
 */
export class InputToAudioLatency {
  private inputEndedAt: number | null = null;
  private readonly measured = new Map<number, number>();

  inputEnded(atMs: number = performance.now()): void {
    this.inputEndedAt = atMs;
  }

  /**
   * A turn's first sample will be heard at `heardAtMs`. Measured against the last input's end only
   * when `clockRunning`: a context the autoplay policy holds has a stopped clock. Either way the
   * input is spent, so it is measured against one turn only.
   */
  firstAudio(turnId: number, heardAtMs: number, clockRunning: boolean): void {
    if (this.inputEndedAt !== null && clockRunning) {
      this.measured.set(turnId, Math.round(heardAtMs - this.inputEndedAt));
    }
    this.inputEndedAt = null;
  }

  /** The turn's figure, once: forgotten as it is taken. */
  take(turnId: number): number | undefined {
    const ms = this.measured.get(turnId);
    this.measured.delete(turnId);
    return ms;
  }
}
