import type { VisemeCue } from '@visemo/core/visemes-types';

const COLOURS = { wave: '#6b7a90', cue: '#0b4f9c', silence: '#c9d2de', head: '#a4262c', text: '#17212f' };

/**
 * Draws a recording's waveform with its viseme track under it and a playhead: what a person
 * compares by eye when the mouth and the sound seem apart.
 */
export class TrackCanvas {
  private peaks: Float32Array = new Float32Array(0);
  private cues: readonly VisemeCue[] = [];
  private durationMs = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  show(samples: Float32Array, cues: readonly VisemeCue[], durationMs: number): void {
    const columns = this.canvas.width;
    const peaks = new Float32Array(columns);
    const per = Math.max(1, Math.floor(samples.length / columns));
    for (let c = 0; c < columns; c++) {
      let peak = 0;
      for (let i = c * per; i < Math.min(samples.length, (c + 1) * per); i++)
        peak = Math.max(peak, Math.abs(samples[i] ?? 0));
      peaks[c] = peak;
    }
    this.peaks = peaks;
    this.cues = cues;
    this.durationMs = durationMs;
    this.draw(0);
  }

  /** Redraws with the playhead at `atMs`. */
  draw(atMs: number): void {
    const g = this.canvas.getContext('2d');
    if (!g) return;
    const { width, height } = this.canvas;
    const wave = height * 0.62;
    g.clearRect(0, 0, width, height);
    g.fillStyle = COLOURS.wave;
    for (let c = 0; c < this.peaks.length; c++) {
      const h = (this.peaks[c] ?? 0) * wave * 0.95;
      g.fillRect(c, wave / 2 - h / 2, 1, Math.max(1, h));
    }
    const x = (ms: number) => (this.durationMs > 0 ? (ms / this.durationMs) * width : 0);
    g.font = '13px system-ui, sans-serif';
    g.textBaseline = 'middle';
    for (const cue of this.cues) {
      const left = x(cue.startMs);
      const w = Math.max(1, x(cue.endMs) - left);
      g.fillStyle = cue.viseme === 'sil' ? COLOURS.silence : COLOURS.cue;
      g.fillRect(left, wave + 8, w - 1, 26);
      if (w > 22 && cue.viseme !== 'sil') {
        g.fillStyle = '#ffffff';
        g.fillText(cue.viseme, left + 3, wave + 21);
      }
    }
    g.fillStyle = COLOURS.head;
    g.fillRect(x(atMs) - 1, 0, 2, height);
  }
}
