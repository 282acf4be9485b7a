import type { VisemeCue, WordTiming } from '@visemo/core/visemes-types';
import type { Viseme } from './visemes.js';

/**
 * Head and shoulder gestures that go with speech. `beat`: a small nod on a stressed syllable;
 * `tilt`: the head settles to one side at a phrase boundary; `nod`/`shake`: "yes" and "no";
 * `shrug`: shoulders up at the end of a question; `browFlash`: brows up on emphasis.
 */
export const GESTURE_KINDS = ['beat', 'tilt', 'nod', 'shake', 'shrug', 'browFlash'] as const;
export type GestureKind = (typeof GESTURE_KINDS)[number];

export interface Gesture {
  kind: GestureKind;
  /** Start on the caller's clock, seconds. */
  atSec: number;
  durationSec: number;
  /** Radians for head gestures; 0..1 for `shrug` and `browFlash`. Sign picks the side of a `tilt`. */
  amplitude: number;
}

/** What the speech says, when the caller knows it (the text of the audio chunk, its word timings). */
export interface SpeechText {
  text?: string;
  /** Word times relative to the chunk's first sample, as the server sends them. */
  words?: readonly WordTiming[];
}

/** What gestures add to the pose at one moment. */
export interface GestureOffsets {
  headPitch: number;
  headYaw: number;
  headRoll: number;
  /** 0..1 shoulder lift. */
  shrug: number;
  /** 0..1 extra brow lift. */
  browRaise: number;
}

const DURATION: Readonly<Record<GestureKind, number>> = {
  beat: 0.38,
  tilt: 1.6,
  nod: 0.8,
  shake: 0.9,
  shrug: 1.0,
  browFlash: 0.5,
};

const DEFAULT_AMPLITUDE: Readonly<Record<GestureKind, number>> = {
  beat: 0.045,
  tilt: 0.05,
  nod: 0.09,
  shake: 0.1,
  shrug: 1,
  browFlash: 0.8,
};

/** How open (how loud) each vowel is: open vowels carry the stress of a phrase. */
const VOWEL_OPENNESS: Partial<Record<Viseme, number>> = { aa: 1, oh: 0.9, E: 0.8, ou: 0.7, ih: 0.6 };
/** A vowel this long (s × openness) counts as stressed; beats keep at least this far apart (s). */
const STRESS_SCORE = 0.085;
const BEAT_SPACING = 0.7;
/** Silence inside an utterance at least this long (ms) is a phrase boundary. */
const PHRASE_PAUSE_MS = 180;

const YES = /^(yes|yeah|yep|sure|certainly|absolutely|of course|right|exactly|correct)\b/i;
const NO = /^(no|nope|not really|unfortunately|sorry)\b/i;
const EMPHASIS = /!|\b(really|very|absolutely|definitely|great|never|always|important|only)\b/i;

/** Rises, holds and falls back to 0 over x in 0..1 (smooth at both ends). */
function bump(x: number, rise = 0.25, fall = 0.35): number {
  if (x <= 0 || x >= 1) return 0;
  const s = (t: number) => t * t * (3 - 2 * t);
  if (x < rise) return s(x / rise);
  if (x > 1 - fall) return s((1 - x) / fall);
  return 1;
}

/**
 * Plans the gestures of one utterance from its viseme cues (and its text, when known), on the
 * caller's clock. Deterministic for a given `random`.
 */
export function planGestures(
  cues: readonly VisemeCue[],
  startSec: number,
  speech: SpeechText = {},
  random: () => number = Math.random,
): Gesture[] {
  const out: Gesture[] = [];
  const spoken = cues.filter((c) => c.viseme !== 'sil');
  if (spoken.length === 0) return out;
  const at = (ms: number) => startSec + ms / 1000;
  const first = spoken[0] as VisemeCue;
  const last = spoken[spoken.length - 1] as VisemeCue;
  const add = (kind: GestureKind, atSec: number, amplitude = DEFAULT_AMPLITUDE[kind]) =>
    out.push({ kind, atSec, durationSec: DURATION[kind], amplitude });

  // Beats on stressed syllables: the longest open vowels, at least BEAT_SPACING apart.
  const stressed = spoken
    .map((c) => ({ cue: c, score: ((c.endMs - c.startMs) / 1000) * (VOWEL_OPENNESS[c.viseme] ?? 0) }))
    .filter((s) => s.score >= STRESS_SCORE)
    .sort((a, b) => b.score - a.score);
  const beats: { cue: VisemeCue; score: number }[] = [];
  for (const s of stressed) {
    if (beats.some((b) => Math.abs(b.cue.startMs - s.cue.startMs) < BEAT_SPACING * 1000)) continue;
    beats.push(s);
  }
  for (const b of beats) {
    const amplitude = Math.min(0.065, 0.025 + b.score * 0.2) * (0.8 + 0.4 * random());
    // The nod's lowest point lands on the vowel's middle.
    add('beat', at((b.cue.startMs + b.cue.endMs) / 2) - DURATION.beat / 2, amplitude);
  }

  // Phrase boundaries: the head settles to the other side.
  let side = random() < 0.5 ? 1 : -1;
  for (const c of cues) {
    if (c.viseme !== 'sil' || c.endMs - c.startMs < PHRASE_PAUSE_MS) continue;
    if (c.startMs < first.startMs || c.endMs > last.endMs) continue;
    add('tilt', at(c.startMs), side * DEFAULT_AMPLITUDE.tilt * (0.7 + 0.6 * random()));
    side = -side;
  }

  const text = (speech.text ?? '').trim();
  const wordAt = (pattern: RegExp) => speech.words?.find((w) => pattern.test(w.word));
  if (YES.test(text)) add('nod', at(first.startMs));
  else if (NO.test(text)) add('shake', at(first.startMs));
  if (text.endsWith('?')) {
    // The shrug peaks as the last syllable ends, with the brows up.
    add('shrug', at(last.endMs) - DURATION.shrug * 0.55);
    add('browFlash', at(last.endMs) - DURATION.browFlash * 0.6, 0.5);
  }
  const emphasis = EMPHASIS.exec(text);
  if (emphasis) {
    const word = emphasis[0] === '!' ? undefined : wordAt(new RegExp(`^${emphasis[0]}$`, 'i'));
    const strongest = beats[0]?.cue ?? first;
    add('browFlash', at(word ? word.startMs : strongest.startMs) - 0.05);
  }
  return out.sort((a, b) => a.atSec - b.atSec);
}

/** One gesture's contribution at `x` (0..1 through it). */
function shapeOf(g: Gesture, x: number): GestureOffsets {
  const o: GestureOffsets = { headPitch: 0, headYaw: 0, headRoll: 0, shrug: 0, browRaise: 0 };
  const a = g.amplitude;
  switch (g.kind) {
    case 'beat':
      o.headPitch = -a * Math.sin(Math.PI * x) ** 2;
      break;
    case 'nod':
      // Two nods, the second smaller.
      o.headPitch = -a * ((1 - Math.cos(4 * Math.PI * x)) / 2) * (1 - 0.45 * x);
      break;
    case 'shake':
      o.headYaw = a * Math.sin(5 * Math.PI * x) * Math.sin(Math.PI * x);
      break;
    case 'tilt':
      o.headRoll = a * bump(x, 0.25, 0.4);
      o.headYaw = a * 0.5 * bump(x, 0.25, 0.4);
      break;
    case 'shrug':
      o.shrug = a * bump(x, 0.3, 0.35);
      o.headRoll = 0.04 * a * bump(x, 0.3, 0.35);
      o.headPitch = -0.02 * a * bump(x, 0.3, 0.35);
      break;
    case 'browFlash':
      o.browRaise = a * bump(x, 0.2, 0.45);
      break;
  }
  return o;
}

/**
 * The gestures scheduled on the caller's clock, sampled per frame like the viseme track. With
 * reduced motion nothing is planned and nothing moves.
 */
export class SpeechGestures {
  private gestures: Gesture[] = [];
  private reducedMotion: boolean;
  private readonly random: () => number;

  constructor(options: { random?: () => number; reducedMotion?: boolean } = {}) {
    this.random = options.random ?? Math.random;
    this.reducedMotion = options.reducedMotion ?? false;
  }

  setReducedMotion(reduced: boolean): void {
    this.reducedMotion = reduced;
    if (reduced) this.gestures = [];
  }

  /** Plans and keeps the gestures of an utterance; returns them. */
  schedule(cues: readonly VisemeCue[], startSec: number, speech?: SpeechText): Gesture[] {
    if (this.reducedMotion) return [];
    const planned = planGestures(cues, startSec, speech, this.random);
    this.gestures.push(...planned);
    this.gestures.sort((a, b) => a.atSec - b.atSec);
    return planned;
  }

  /** Adds one gesture (e.g. a nod the page asks for), starting at `atSec`. */
  trigger(kind: GestureKind, atSec: number, amplitude = DEFAULT_AMPLITUDE[kind]): Gesture | null {
    if (this.reducedMotion) return null;
    const g = { kind, atSec, durationSec: DURATION[kind], amplitude };
    this.gestures.push(g);
    this.gestures.sort((a, b) => a.atSec - b.atSec);
    return g;
  }

  /** Barge-in: drops gestures that have not started by `atSec` (those under way finish). */
  stop(atSec: number): void {
    this.gestures = this.gestures.filter((g) => g.atSec <= atSec);
  }

  /** Gestures not yet finished at `nowSec`. */
  pending(nowSec: number): readonly Gesture[] {
    return this.gestures.filter((g) => g.atSec + g.durationSec > nowSec);
  }

  sample(nowSec: number): GestureOffsets {
    const o: GestureOffsets = { headPitch: 0, headYaw: 0, headRoll: 0, shrug: 0, browRaise: 0 };
    // Finished gestures are dropped as time passes.
    this.gestures = this.gestures.filter((g) => g.atSec + g.durationSec > nowSec - 5);
    for (const g of this.gestures) {
      const x = (nowSec - g.atSec) / g.durationSec;
      if (x <= 0 || x >= 1) continue;
      const s = shapeOf(g, x);
      o.headPitch += s.headPitch;
      o.headYaw += s.headYaw;
      o.headRoll += s.headRoll;
      o.shrug = Math.max(o.shrug, s.shrug);
      o.browRaise = Math.max(o.browRaise, s.browRaise);
    }
    return o;
  }
}
