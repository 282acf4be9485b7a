import type { VoicePrint } from './voice-print.js';

/** How far apart two voice prints are; the tracker's threshold is in the same unit. */
export type VoiceDistance = (utterance: VoicePrint, speaker: VoicePrint) => number;

/**
 * The spectral distance of an utterance to a speaker: the difference of their mean cepstra per
 * coefficient, in units of the coefficient's spread within speech (a standardised mean
 * difference), as an RMS over the coefficients. Scaling a coefficient's difference by its own
 * spread puts a formant shift and a tilt change on one scale. Evidence is not counted in: past a
 * second of speech, what differs between two prints of one voice is mostly what was said, which
 * more speech does not average away (a distance that grew with the seconds of speech split one
 * voice into two; docs/decisions/0203-speaker-change-detection.md).
 */
export const cepstralDistance: VoiceDistance = (utterance, speaker) => {
  let sum = 0;
  for (let k = 0; k < utterance.mean.length; k++) {
    const variance = ((utterance.spread[k] as number) ** 2 + (speaker.spread[k] as number) ** 2) / 2;
    sum += ((utterance.mean[k] as number) - (speaker.mean[k] as number)) ** 2 / (variance || 1);
  }
  return Math.sqrt(sum / utterance.mean.length);
};

/** The difference of median pitch in semitones (the baseline the cepstral distance is measured against). */
export const pitchDistance: VoiceDistance = (utterance, speaker) =>
  Number.isNaN(utterance.pitch) || Number.isNaN(speaker.pitch)
    ? 0
    : Math.abs(utterance.pitch - speaker.pitch);

/** Semitones of pitch difference that count as much as one unit of the cepstral distance. */
const SEMITONES_PER_UNIT = 8;

/**
 * The tracker's distance: the cepstral one, with the pitch difference added in quadrature. Pitch
 * alone tells a woman from a man and little else; it widens the margin where it differs.
 */
export const voiceDistance: VoiceDistance = (utterance, speaker) =>
  Math.hypot(cepstralDistance(utterance, speaker), pitchDistance(utterance, speaker) / SEMITONES_PER_UNIT);

/** Measured on Flite voices and real recordings, clean and at 10 dB SNR (docs/speakers.md). */
const DEFAULT_THRESHOLD = 0.55;

export interface SpeakerTrackerOptions {
  /** Distance from which an utterance is someone new; default 0.55 (for `voiceDistance`). */
  threshold?: number;
  /** Speakers kept at most; past it, an utterance goes to the nearest. Default 6. */
  maxSpeakers?: number;
  /** Utterances shorter than this, in seconds of voicing, carry little evidence. Default 0.8. */
  shortSeconds?: number;
  /** A short utterance stays with the current speaker unless this many thresholds away. Default 1.5. */
  shortFactor?: number;
  distance?: VoiceDistance;
}

/** Who spoke an utterance, as the tracker decided. */
export interface SpeakerDecision {
  /** The speaker's number, from 1 in the order they were first heard. */
  speaker: number;
  /** Whether this speaker was heard for the first time. */
  opened: boolean;
  /** Whether another speaker spoke the previous utterance. */
  changed: boolean;
  /** Distance to the chosen speaker before this utterance joined them (0 for a new one). */
  distance: number;
  /** 0–1: how clear the decision was, from the margin to the threshold and the seconds of speech. */
  confidence: number;
}

interface TrackedSpeaker {
  number: number;
  /** The speaker's voice print: utterances pooled, each weighted by its seconds of speech. */
  print: VoicePrint;
}

/**
 * Online speaker tracking for one microphone: each utterance is given to the nearest known speaker
 * when it is near enough, otherwise to a new one, and that speaker's print moves towards it. Nothing
 * is revised later; a kiosk needs the label when the transcript goes out.
 */
export class SpeakerTracker {
  private readonly speakers: TrackedSpeaker[] = [];
  private current: TrackedSpeaker | null = null;
  private readonly threshold: number;
  private readonly maxSpeakers: number;
  private readonly shortSeconds: number;
  private readonly shortFactor: number;
  private readonly distance: VoiceDistance;

  constructor(options: SpeakerTrackerOptions = {}) {
    this.distance = options.distance ?? voiceDistance;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.maxSpeakers = options.maxSpeakers ?? 6;
    this.shortSeconds = options.shortSeconds ?? 0.8;
    this.shortFactor = options.shortFactor ?? 1.5;
    if (!(this.threshold > 0) || !(this.maxSpeakers >= 1))
      throw new RangeError('speaker tracking needs a positive threshold and at least one speaker');
  }

  /** How many speakers have been heard. */
  get count(): number {
    return this.speakers.length;
  }

  assign(print: VoicePrint): SpeakerDecision {
    const previous = this.current;
    let nearest: TrackedSpeaker | null = null;
    let best = Number.POSITIVE_INFINITY;
    for (const speaker of this.speakers) {
      const d = this.distance(print, speaker.print);
      if (d < best) {
        best = d;
        nearest = speaker;
      }
    }
    const short = print.seconds < this.shortSeconds;
    const evidence = Math.min(1, print.seconds / (2 * this.shortSeconds));
    let chosen = nearest;
    let limit = this.threshold;
    // A short utterance needs a larger distance to be someone else: to stay with the current
    // speaker, and to open a new one rather than join the nearest.
    if (short && previous) {
      const toPrevious = this.distance(print, previous.print);
      limit = this.threshold * this.shortFactor;
      if (toPrevious < limit) {
        chosen = previous;
        best = toPrevious;
      }
    }
    if (!chosen || (best >= limit && this.speakers.length < this.maxSpeakers)) {
      const opened: TrackedSpeaker = { number: this.speakers.length + 1, print: copyPrint(print) };
      this.speakers.push(opened);
      this.current = opened;
      const margin = Number.isFinite(best) ? (best - limit) / limit : 1;
      return {
        speaker: opened.number,
        opened: true,
        changed: previous !== null,
        distance: 0,
        confidence: round(Math.min(1, margin) * evidence),
      };
    }
    pool(chosen.print, print);
    this.current = chosen;
    return {
      speaker: chosen.number,
      opened: false,
      changed: previous !== chosen,
      distance: best,
      confidence: round(Math.max(0, Math.min(1, (limit - best) / limit)) * evidence),
    };
  }
}

function copyPrint(print: VoicePrint): VoicePrint {
  return {
    mean: print.mean.slice(),
    spread: print.spread.slice(),
    pitch: print.pitch,
    seconds: print.seconds,
  };
}

/**
 * Adds an utterance to a speaker's print, weighted by seconds of speech; the speaker's weight is
 * capped, so a voice that drifts (a cold, a louder room) is followed.
 */
function pool(speaker: VoicePrint, utterance: VoicePrint): void {
  const held = Math.min(speaker.seconds, 30);
  const total = held + utterance.seconds;
  if (total <= 0) return;
  const a = held / total;
  const b = utterance.seconds / total;
  for (let k = 0; k < speaker.mean.length; k++) {
    const m = a * (speaker.mean[k] as number) + b * (utterance.mean[k] as number);
    const variance =
      a * ((speaker.spread[k] as number) ** 2 + ((speaker.mean[k] as number) - m) ** 2) +
      b * ((utterance.spread[k] as number) ** 2 + ((utterance.mean[k] as number) - m) ** 2);
    speaker.mean[k] = m;
    speaker.spread[k] = Math.sqrt(variance);
  }
  if (!Number.isNaN(utterance.pitch))
    speaker.pitch = Number.isNaN(speaker.pitch) ? utterance.pitch : a * speaker.pitch + b * utterance.pitch;
  speaker.seconds = held + utterance.seconds;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
