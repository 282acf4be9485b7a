import type { Expression, Viseme, VisemeCue } from '@visemo/core';
import type { AvatarActivity, AvatarView, AvatarViewOptions } from './avatar-view.js';

/** How open and how wide each viseme draws, 0..1: a coarse mouth for the stand-in face. */
const SHAPES: Readonly<Record<Viseme, readonly [open: number, wide: number]>> = {
  sil: [0, 0.5],
  PP: [0, 0.45],
  FF: [0.12, 0.55],
  TH: [0.25, 0.55],
  DD: [0.35, 0.6],
  kk: [0.4, 0.6],
  CH: [0.35, 0.4],
  SS: [0.2, 0.7],
  nn: [0.3, 0.6],
  RR: [0.3, 0.35],
  aa: [0.9, 0.65],
  E: [0.6, 0.75],
  ih: [0.45, 0.8],
  oh: [0.7, 0.35],
  ou: [0.45, 0.25],
};

interface TimedCue {
  viseme: Viseme;
  start: number;
  end: number;
}

/**
 * A flat face drawn with Canvas 2D: shown while the 3D renderer loads, and where neither WebGL nor
 * the renderer package is available. Each frame shows the cue under the clock, cross-faded over
 * 40 ms at its boundaries.
 */
export class SketchAvatar implements AvatarView {
  readonly renderer = '2d' as const;
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private cues: TimedCue[] = [];
  private weights: Partial<Record<Viseme, number>> = { sil: 1 };
  private expression: Expression = 'neutral';
  private intensity = 0;
  private state: AvatarActivity = 'idle';

  constructor(
    private readonly host: HTMLElement,
    private readonly options: AvatarViewOptions,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'The assistant');
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('Canvas 2D is not available');
    this.context = context;
    host.append(this.canvas);
  }

  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number): void {
    for (const c of cues) {
      this.cues.push({
        viseme: c.viseme,
        start: startTimeSec + c.startMs / 1000,
        end: startTimeSec + c.endMs / 1000,
      });
    }
    this.cues.sort((a, b) => a.start - b.start);
  }

  stopVisemes(atSec: number): void {
    this.cues = this.cues.filter((c) => c.start < atSec).map((c) => ({ ...c, end: Math.min(c.end, atSec) }));
  }

  update(nowSec: number): void {
    const fade = 0.04;
    const weights: Partial<Record<Viseme, number>> = {};
    let spoken = 0;
    this.cues = this.cues.filter((c) => c.end + fade > nowSec - 1);
    for (const c of this.cues) {
      if (c.start - fade / 2 > nowSec) break;
      const w = Math.min(
        1,
        Math.max(0, (nowSec - (c.start - fade / 2)) / fade),
        Math.max(0, (c.end + fade / 2 - nowSec) / fade),
      );
      if (w <= 0 || c.viseme === 'sil') continue;
      weights[c.viseme] = (weights[c.viseme] ?? 0) + w;
      spoken += w;
    }
    weights.sil = Math.max(0, 1 - spoken);
    this.weights = weights;
    this.draw();
  }

  setExpression(expression: Expression, intensity: number): void {
    this.expression = expression;
    this.intensity = intensity;
  }

  setState(state: AvatarActivity): void {
    this.state = state;
  }

  visemeWeights(): Readonly<Partial<Record<Viseme, number>>> {
    return this.weights;
  }

  async loadModel(): Promise<void> {
    throw new Error('3D models need WebGL, which this browser does not provide');
  }

  async useBuiltIn(): Promise<void> {}

  dispose(): void {
    this.canvas.remove();
  }

  private draw(): void {
    const { canvas, context: g } = this;
    const size = this.host.getBoundingClientRect();
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const w = Math.max(1, Math.round(size.width * ratio));
    const h = Math.max(1, Math.round(size.height * ratio));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    g.clearRect(0, 0, w, h);
    const r = Math.min(w, h) * 0.3;
    const cx = w / 2;
    const cy = h * 0.48;
    g.fillStyle = '#f1d3bd';
    g.beginPath();
    g.ellipse(cx, cy, r * 0.86, r, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#3b2a22';
    g.beginPath();
    g.ellipse(cx, cy - r * 0.62, r * 0.9, r * 0.5, 0, Math.PI, Math.PI * 2);
    g.fill();
    const gazeX = this.state === 'thinking' && !this.options.reducedMotion ? r * 0.05 : 0;
    for (const side of [-1, 1]) {
      g.fillStyle = '#23303f';
      g.beginPath();
      g.ellipse(cx + side * r * 0.33 + gazeX, cy - r * 0.12, r * 0.07, r * 0.09, 0, 0, Math.PI * 2);
      g.fill();
    }
    let open = 0;
    let wide = 0;
    let total = 0;
    for (const [v, weight] of Object.entries(this.weights) as [Viseme, number][]) {
      open += SHAPES[v][0] * weight;
      wide += SHAPES[v][1] * weight;
      total += weight;
    }
    if (total > 0) wide /= total;
    const smile =
      this.expression === 'happy' ? this.intensity : this.expression === 'sad' ? -this.intensity : 0;
    const mw = r * (0.25 + 0.2 * wide);
    const my = cy + r * 0.45;
    g.fillStyle = '#7a2f33';
    g.strokeStyle = '#7a2f33';
    g.lineWidth = Math.max(2, r * 0.04);
    g.beginPath();
    g.moveTo(cx - mw, my - smile * r * 0.06);
    g.quadraticCurveTo(cx, my + smile * r * 0.12 - open * r * 0.05, cx + mw, my - smile * r * 0.06);
    g.quadraticCurveTo(cx, my + smile * r * 0.12 + open * r * 0.32, cx - mw, my - smile * r * 0.06);
    if (open > 0.02) g.fill();
    else g.stroke();
  }
}
