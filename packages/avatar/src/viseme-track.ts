import type { VisemeCue } from '@visemo/core/visemes-types';
import { type Viseme, type VisemeWeights, zeroVisemeWeights } from './visemes.js';

/**
 * Timing of one viseme's rise and fall. The ramps are centred on the cue's boundaries, so two
 * neighbouring cues cross-fade through 50/50 exactly at their shared boundary, and a cue shorter
 * than its ramps never reaches full weight (undershoot in fast speech, as real lips do).
 */
export interface VisemeRamp {
  /** Rise time in ms, centred on the cue's start. */
  attackMs: number;
  /** Fall time in ms, centred on the cue's end. */
  releaseMs: number;
  /**
   * Closures (lips together for p/b/m, lip to teeth for f/v) must be reached even when short,
   * or the listener sees a "b" without the lips meeting: their ramps shrink to fit the cue.
   */
  mustReach: boolean;
}

const DEFAULT_RAMPS: Readonly<Record<Viseme, VisemeRamp>> = {
  sil: { attackMs: 120, releaseMs: 120, mustReach: false },
  PP: { attackMs: 50, releaseMs: 60, mustReach: true },
  FF: { attackMs: 55, releaseMs: 60, mustReach: true },
  TH: { attackMs: 60, releaseMs: 70, mustReach: false },
  DD: { attackMs: 60, releaseMs: 70, mustReach: false },
  kk: { attackMs: 60, releaseMs: 70, mustReach: false },
  CH: { attackMs: 70, releaseMs: 80, mustReach: false },
  SS: { attackMs: 60, releaseMs: 70, mustReach: false },
  nn: { attackMs: 60, releaseMs: 70, mustReach: false },
  RR: { attackMs: 70, releaseMs: 80, mustReach: false },
  aa: { attackMs: 80, releaseMs: 90, mustReach: false },
  E: { attackMs: 80, releaseMs: 90, mustReach: false },
  ih: { attackMs: 75, releaseMs: 85, mustReach: false },
  oh: { attackMs: 85, releaseMs: 95, mustReach: false },
  ou: { attackMs: 85, releaseMs: 95, mustReach: false },
};

export interface VisemeTrackOptions {
  /** Overrides per viseme; unspecified visemes keep the defaults above. */
  ramps?: Partial<Record<Viseme, Partial<VisemeRamp>>>;
  /** Scales every weight (0..1); lower values give a more discreet mouth. */
  gain?: number;
}

interface ScheduledCue {
  viseme: Viseme;
  /** Seconds on the caller's clock. */
  start: number;
  end: number;
}

function smoothstep(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

/**
 * Visemes placed on a clock the caller owns (in the browser: `AudioContext.currentTime`), sampled
 * into blended weights at any instant. Sampling is a pure function of the time, so the mouth follows
 * the audio even when frames are dropped or the page was in the background.
 */
export class VisemeTrack {
  private cues: ScheduledCue[] = [];
  private readonly ramps: Record<Viseme, VisemeRamp>;
  private readonly gain: number;
  /** Longest ramp in seconds: how far around `now` a cue can still matter. */
  private readonly reach: number;

  constructor(options: VisemeTrackOptions = {}) {
    const ramps = {} as Record<Viseme, VisemeRamp>;
    let reach = 0;
    for (const [v, ramp] of Object.entries(DEFAULT_RAMPS) as [Viseme, VisemeRamp][]) {
      ramps[v] = { ...ramp, ...options.ramps?.[v] };
      reach = Math.max(reach, ramps[v].attackMs, ramps[v].releaseMs);
    }
    this.ramps = ramps;
    this.gain = options.gain ?? 1;
    this.reach = reach / 1000;
  }

  /**
   * Adds cues whose times are in ms from `startTimeSec` on the caller's clock — for audio chunks,
   * the time at which the chunk's first sample plays. Chunks can be added in any order.
   */
  schedule(cues: readonly VisemeCue[], startTimeSec: number): void {
    for (const cue of cues) {
      if (!(cue.endMs > cue.startMs)) continue;
      this.cues.push({
        viseme: cue.viseme,
        start: startTimeSec + cue.startMs / 1000,
        end: startTimeSec + cue.endMs / 1000,
      });
    }
    this.cues.sort((a, b) => a.start - b.start);
  }

  /**
   * Barge-in: nothing scheduled after `atSec` plays, and shapes active at `atSec` fall back to rest
   * over their release time instead of snapping shut.
   */
  stop(atSec: number): void {
    const kept: ScheduledCue[] = [];
    for (const cue of this.cues) {
      if (cue.start >= atSec) continue;
      const latestEnd = atSec + this.ramps[cue.viseme].releaseMs / 2000;
      kept.push(cue.end > latestEnd ? { ...cue, end: latestEnd } : cue);
    }
    this.cues = kept;
  }

  clear(): void {
    this.cues = [];
  }

  /** Whether any scheduled shape still moves the mouth at or after `nowSec`. */
  isActive(nowSec: number): boolean {
    return this.endTime() > nowSec;
  }

  /** The clock time at which the last scheduled shape has fully released (0 when empty). */
  endTime(): number {
    let end = 0;
    for (const cue of this.cues) end = Math.max(end, cue.end + this.ramps[cue.viseme].releaseMs / 2000);
    return end;
  }

  /** Number of cues still held (for diagnostics). */
  get size(): number {
    return this.cues.length;
  }

  /**
   * Blended weights at `nowSec`. Weights of overlapping cues are normalised so they never add up to
   * more than 1 (closures first); `sil` receives whatever is left, so the weights always sum to 1.
   */
  sample(nowSec: number, out: VisemeWeights = zeroVisemeWeights()): VisemeWeights {
    for (const k of Object.keys(out) as Viseme[]) out[k] = 0;
    this.prune(nowSec);
    // Closures dominate: where a p/b/m or f/v is at weight d, the other shapes share only 1 - d,
    // so the lips really meet even while neighbouring vowels are still fading.
    let dominant = 0;
    let others = 0;
    for (const cue of this.cues) {
      if (cue.start - this.reach > nowSec) break;
      const w = this.envelope(cue, nowSec);
      if (w <= 0) continue;
      out[cue.viseme] += w;
      if (this.ramps[cue.viseme].mustReach) dominant += w;
      else others += w;
    }
    const dScale = dominant > 1 ? 1 / dominant : 1;
    const room = 1 - dominant * dScale;
    const oScale = others > room ? room / others : 1;
    let spoken = 0;
    for (const k of Object.keys(out) as Viseme[]) {
      if (k === 'sil') continue;
      out[k] *= (this.ramps[k].mustReach ? dScale : oScale) * this.gain;
      spoken += out[k];
    }
    out.sil = Math.max(0, 1 - spoken);
    return out;
  }

  private envelope(cue: ScheduledCue, now: number): number {
    const ramp = this.ramps[cue.viseme];
    let attack = ramp.attackMs / 1000;
    let release = ramp.releaseMs / 1000;
    if (ramp.mustReach) {
      const duration = cue.end - cue.start;
      attack = Math.min(attack, duration);
      release = Math.min(release, duration);
    }
    const rise = smoothstep((now - (cue.start - attack / 2)) / attack);
    const fall = 1 - smoothstep((now - (cue.end - release / 2)) / release);
    return Math.min(rise, fall);
  }

  /** Drops cues that can no longer contribute, so a long conversation does not grow the list. */
  private prune(nowSec: number): void {
    let drop = 0;
    const limit = nowSec - this.reach - 1;
    while (drop < this.cues.length && (this.cues[drop] as ScheduledCue).end < limit) drop++;
    // Cues are sorted by start, not end: a long cue may hold earlier ones back; that only delays pruning.
    if (drop > 0) this.cues.splice(0, drop);
  }
}
