import type { Viseme, VisemeCue } from '@visemo/core';

/** Amplitude that counts as sound (about -40 dBFS), and the silence that must precede an onset. */
const ONSET_THRESHOLD = 0.01;
const ONSET_QUIET_SEC = 0.03;

const ONSET_WORKLET = `
class OnsetProbe extends AudioWorkletProcessor {
  constructor() { super(); this.quiet = 0; this.minQuiet = Math.round(${ONSET_QUIET_SEC} * sampleRate); }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (!x) return true;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) > ${ONSET_THRESHOLD}) {
        if (this.quiet >= this.minQuiet) this.port.postMessage((currentFrame + i) / sampleRate);
        this.quiet = 0;
      } else this.quiet++;
    }
    return true;
  }
}
registerProcessor('visemo-onset-probe', OnsetProbe);
`;

interface FrameRecord {
  /** Heard AudioContext time when the frame was drawn. */
  heard: number;
  /** The time the avatar was asked to show (see ConversationPage.frame). */
  showAt: number;
  frameSec: number;
  dominant: Viseme;
  mouth: number;
}

export interface SyncReport {
  /** Viseme changes seen on screen vs the AudioContext time of their audio, in ms. */
  lipSync: Stats & { skipped: number };
  /** Sound onsets measured at the output vs where the scheduled audio puts them, in ms. */
  audioOnset: Stats & { unmatched: number };
  /** Mean frame interval, ms. */
  frameMs: number;
}

export interface Stats {
  count: number;
  /** Share of values within ±17 ms (one frame at 60 Hz), 0..1. */
  withinFrame: number;
  meanMs: number;
  medianMs: number;
  p95AbsMs: number;
  maxAbsMs: number;
}

/**
 * Measures lip-sync on the AudioContext clock (`?probe=sync`): for every viseme change, when the
 * frame showing it reaches the screen vs when its audio sample plays; and, independently, whether
 * the audio really plays where it was scheduled, by detecting sound onsets in an AudioWorklet on the
 * output path.
 */
export class SyncProbe {
  private cues: { viseme: Viseme; start: number; end: number }[] = [];
  private frames: FrameRecord[] = [];
  private expectedOnsets: number[] = [];
  private measuredOnsets: number[] = [];
  readonly playbackStarts: { turnId: number; atPerfMs: number }[] = [];
  private context: AudioContext | null = null;

  attachAudio(context: AudioContext, output: AudioNode): void {
    this.context = context;
    const url = URL.createObjectURL(new Blob([ONSET_WORKLET], { type: 'text/javascript' }));
    void context.audioWorklet.addModule(url).then(() => {
      URL.revokeObjectURL(url);
      const node = new AudioWorkletNode(context, 'visemo-onset-probe', { numberOfOutputs: 0 });
      node.port.onmessage = (event: MessageEvent<number>) => this.measuredOnsets.push(event.data);
      output.connect(node);
    });
  }

  onVisemes(cues: readonly VisemeCue[], startTimeSec: number): void {
    for (const c of cues) {
      this.cues.push({
        viseme: c.viseme,
        start: startTimeSec + c.startMs / 1000,
        end: startTimeSec + c.endMs / 1000,
      });
    }
  }

  onAudio(buffer: AudioBuffer, startTimeSec: number): void {
    const x = buffer.getChannelData(0);
    const minQuiet = Math.round(ONSET_QUIET_SEC * buffer.sampleRate);
    // The chunk starts after silence when it is the first of its run; treat its start as quiet.
    let quiet = minQuiet;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i] as number) > ONSET_THRESHOLD) {
        if (quiet >= minQuiet) this.expectedOnsets.push(startTimeSec + i / buffer.sampleRate);
        quiet = 0;
      } else quiet++;
    }
  }

  /** Playback was cut at `atSec`: audio and mouth shapes scheduled after it never happen. */
  onFlush(atSec: number): void {
    this.expectedOnsets = this.expectedOnsets.filter((t) => t < atSec);
    this.cues = this.cues.filter((c) => c.start < atSec);
  }

  onPlaybackStart(turnId: number, atPerfMs: number): void {
    this.playbackStarts.push({ turnId, atPerfMs });
  }

  onFrame(
    heard: number,
    showAt: number,
    frameSec: number,
    weights: Readonly<Partial<Record<Viseme, number>>>,
  ): void {
    let dominant: Viseme = 'sil';
    let best = -1;
    let mouth = 0;
    for (const [v, w] of Object.entries(weights) as [Viseme, number][]) {
      if (v !== 'sil') mouth += w;
      if (w > best) {
        best = w;
        dominant = v;
      }
    }
    this.frames.push({ heard, showAt, frameSec, dominant, mouth });
    if (this.frames.length > 20_000) this.frames.splice(0, 5_000);
  }

  /** The mouth weight (sum of non-silent visemes) of recent frames, for tests. */
  recentMouth(count: number): number[] {
    return this.frames.slice(-count).map((f) => f.mouth);
  }

  /** Statistics over everything that has played so far (scheduled audio still to come is left out). */
  report(): SyncReport {
    const played = (this.context?.currentTime ?? Number.POSITIVE_INFINITY) - 0.1;
    const lip: number[] = [];
    let skipped = 0;
    for (const cue of this.cues) {
      if (cue.end > played) continue;
      const shown = this.firstChangeTo(cue);
      if (shown === undefined) {
        skipped++;
        continue;
      }
      // On screen one frame after it was drawn (see ConversationPage.frame).
      lip.push((shown.heard + shown.frameSec - cue.start) * 1000);
    }
    const onset: number[] = [];
    let unmatched = 0;
    for (const expected of this.expectedOnsets) {
      if (expected > played) continue;
      let nearest: number | undefined;
      for (const m of this.measuredOnsets) {
        if (nearest === undefined || Math.abs(m - expected) < Math.abs(nearest - expected)) nearest = m;
      }
      if (nearest === undefined || Math.abs(nearest - expected) > 0.05) unmatched++;
      else onset.push((nearest - expected) * 1000);
    }
    const frameMs =
      this.frames.length > 0
        ? (this.frames.reduce((s, f) => s + f.frameSec, 0) / this.frames.length) * 1000
        : 0;
    return { lipSync: { ...stats(lip), skipped }, audioOnset: { ...stats(onset), unmatched }, frameMs };
  }

  /**
   * The first frame, around the cue, that switched the dominant mouth shape to the cue's viseme.
   * A cue already on screen before it starts (silence after silence), or too short to become
   * dominant in any frame, has no such frame and is skipped.
   */
  private firstChangeTo(cue: { viseme: Viseme; start: number; end: number }): FrameRecord | undefined {
    for (let i = 1; i < this.frames.length; i++) {
      const f = this.frames[i] as FrameRecord;
      if (f.showAt < cue.start - 3 * f.frameSec) continue;
      if (f.showAt > cue.end + f.frameSec) return undefined;
      if (f.dominant === cue.viseme && (this.frames[i - 1] as FrameRecord).dominant !== cue.viseme) return f;
    }
    return undefined;
  }
}

function stats(values: number[]): Stats {
  if (values.length === 0)
    return { count: 0, withinFrame: 0, meanMs: 0, medianMs: 0, p95AbsMs: 0, maxAbsMs: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const abs = values.map(Math.abs).sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: values.length,
    withinFrame: round(abs.filter((v) => v <= 17).length / abs.length),
    meanMs: round(values.reduce((s, v) => s + v, 0) / values.length),
    medianMs: round(sorted[Math.floor(sorted.length / 2)] as number),
    p95AbsMs: round(abs[Math.min(abs.length - 1, Math.floor(abs.length * 0.95))] as number),
    maxAbsMs: round(abs[abs.length - 1] as number),
  };
}
