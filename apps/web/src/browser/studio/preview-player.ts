/**
 * Plays a preview's audio at normal or slow speed and tells where in the track it is, in ms: the
 * clock the face and the playhead follow. At half speed the pitch drops too (a plain rate change),
 * which keeps every sample where the visemes expect it.
 */
export class PreviewPlayer {
  private context: AudioContext | null = null;
  private buffer: AudioBuffer | null = null;
  private source: AudioBufferSourceNode | null = null;
  private startedAt = 0;
  private fromMs = 0;
  private rate = 1;
  private stoppedAtMs = 0;
  onEnded: () => void = () => undefined;

  async load(wav: ArrayBuffer): Promise<Float32Array> {
    this.stop();
    this.context ??= new AudioContext();
    this.buffer = await this.context.decodeAudioData(wav.slice(0));
    this.stoppedAtMs = 0;
    return this.buffer.getChannelData(0);
  }

  get playing(): boolean {
    return this.source !== null;
  }

  get durationMs(): number {
    return this.buffer ? this.buffer.duration * 1000 : 0;
  }

  /** The audio clock the position follows, in seconds. */
  get audioTime(): number {
    return this.context?.currentTime ?? 0;
  }

  /** Where the track is now, in ms of the recording. */
  get positionMs(): number {
    if (!this.source || !this.context) return this.stoppedAtMs;
    return Math.min(
      this.durationMs,
      this.fromMs + (this.context.currentTime - this.startedAt) * 1000 * this.rate,
    );
  }

  async play(
    rate: number,
    fromMs = this.stoppedAtMs >= this.durationMs ? 0 : this.stoppedAtMs,
  ): Promise<void> {
    if (!this.context || !this.buffer) return;
    this.stop();
    await this.context.resume();
    const source = this.context.createBufferSource();
    source.buffer = this.buffer;
    source.playbackRate.value = rate;
    source.connect(this.context.destination);
    source.onended = () => {
      if (this.source !== source) return;
      this.stoppedAtMs = this.durationMs;
      this.source = null;
      this.onEnded();
    };
    this.rate = rate;
    this.fromMs = fromMs;
    this.startedAt = this.context.currentTime;
    source.start(0, fromMs / 1000);
    this.source = source;
  }

  /** Stops where it is; `seek` then moves the position while stopped. */
  stop(): void {
    if (!this.source) return;
    this.stoppedAtMs = this.positionMs;
    const source = this.source;
    this.source = null;
    source.onended = null;
    source.stop();
  }

  seek(ms: number): void {
    this.stop();
    this.stoppedAtMs = Math.max(0, Math.min(this.durationMs, ms));
  }
}
