/** Frames per second over a sliding window of recent frames (wall-clock milliseconds). */
export class FrameRateCounter {
  private readonly times: number[] = [];
  private total = 0;

  constructor(private readonly windowMs = 1000) {}

  /** Records a frame drawn at `nowMs`. */
  tick(nowMs: number): void {
    this.times.push(nowMs);
    this.total++;
    while (this.times.length > 2 && nowMs - (this.times[0] as number) > this.windowMs) this.times.shift();
  }

  /** Frames per second in the window; 0 until two frames were drawn. */
  get fps(): number {
    if (this.times.length < 2) return 0;
    const span = (this.times[this.times.length - 1] as number) - (this.times[0] as number);
    return span > 0 ? ((this.times.length - 1) * 1000) / span : 0;
  }

  /** Frames drawn since creation. */
  get frames(): number {
    return this.total;
  }
}
