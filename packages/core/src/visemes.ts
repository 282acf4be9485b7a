import { ErrorCode, VisemoError } from './errors.js';
import type { PhoneTiming, Viseme, VisemeCue } from './visemes-types.js';

/**
 * Phones → the 15 Oculus visemes, and visemes → other rigs (ARKit, VRM, Azure viseme IDs).
 *
 * Phones come either as ARPAbet, the way Flite and CMUdict print them (`hh`, `AH0`, Flite's `pau`),
 * or as IPA (eSpeak's `--ipa`, Azure-like providers). Most symbols are unambiguous; the few that
 * exist in both alphabets with different meanings (`y`) follow `alphabet`, ARPAbet by default.
 */

export type PhoneAlphabet = 'arpabet' | 'ipa';

/** ARPAbet, including Flite's additions (`ax`, `pau`) and the TIMIT extensions some tools print. */
const ARPABET: Readonly<Record<string, Viseme>> = {
  pau: 'sil',
  sil: 'sil',
  sp: 'sil',
  spn: 'sil',
  'h#': 'sil',
  brk: 'sil',
  epi: 'sil',
  p: 'PP',
  b: 'PP',
  m: 'PP',
  em: 'PP',
  f: 'FF',
  v: 'FF',
  th: 'TH',
  dh: 'TH',
  t: 'DD',
  d: 'DD',
  dx: 'DD',
  q: 'DD',
  k: 'kk',
  g: 'kk',
  ng: 'kk',
  eng: 'kk',
  // /h/ has no shape of its own: phonesToVisemes gives it the next phone's shape.
  hh: 'kk',
  hv: 'kk',
  ch: 'CH',
  jh: 'CH',
  sh: 'CH',
  zh: 'CH',
  s: 'SS',
  z: 'SS',
  n: 'nn',
  en: 'nn',
  nx: 'nn',
  l: 'nn',
  el: 'nn',
  r: 'RR',
  er: 'RR',
  axr: 'RR',
  aa: 'aa',
  ae: 'aa',
  ah: 'aa',
  ax: 'aa',
  'ax-h': 'aa',
  aw: 'aa',
  ay: 'aa',
  eh: 'E',
  ey: 'E',
  ih: 'ih',
  ix: 'ih',
  iy: 'ih',
  y: 'ih',
  ao: 'oh',
  ow: 'oh',
  oy: 'oh',
  uh: 'ou',
  uw: 'ou',
  ux: 'ou',
  w: 'ou',
};

/** ARPAbet diphthongs: the mouth moves from the first shape to the second. */
const ARPABET_DIPHTHONGS: Readonly<Record<string, readonly [Viseme, Viseme]>> = {
  aw: ['aa', 'ou'],
  ay: ['aa', 'ih'],
  ey: ['E', 'ih'],
  ow: ['oh', 'ou'],
  oy: ['oh', 'ih'],
};

/** IPA segments (without stress, length or other diacritics). Two-symbol entries are affricates. */
const IPA: Readonly<Record<string, Viseme>> = {
  p: 'PP',
  b: 'PP',
  m: 'PP',
  ɱ: 'FF',
  ɸ: 'FF',
  β: 'FF',
  f: 'FF',
  v: 'FF',
  ʋ: 'FF',
  θ: 'TH',
  ð: 'TH',
  t: 'DD',
  d: 'DD',
  ɾ: 'DD',
  ʔ: 'DD',
  ʈ: 'DD',
  ɖ: 'DD',
  k: 'kk',
  g: 'kk',
  ɡ: 'kk',
  ŋ: 'kk',
  x: 'kk',
  ɣ: 'kk',
  q: 'kk',
  χ: 'kk',
  ʁ: 'RR',
  h: 'kk',
  ɦ: 'kk',
  c: 'CH',
  ɟ: 'CH',
  tʃ: 'CH',
  dʒ: 'CH',
  ts: 'SS',
  dz: 'SS',
  ʃ: 'CH',
  ʒ: 'CH',
  ɕ: 'CH',
  ʑ: 'CH',
  ç: 'CH',
  s: 'SS',
  z: 'SS',
  n: 'nn',
  ɲ: 'nn',
  ɳ: 'nn',
  l: 'nn',
  ɫ: 'nn',
  ʎ: 'nn',
  ɭ: 'nn',
  r: 'RR',
  ɹ: 'RR',
  ɻ: 'RR',
  ʀ: 'RR',
  ɝ: 'RR',
  ɚ: 'RR',
  a: 'aa',
  ɑ: 'aa',
  ɐ: 'aa',
  æ: 'aa',
  ʌ: 'aa',
  ə: 'aa',
  ɒ: 'oh',
  e: 'E',
  ɛ: 'E',
  ɜ: 'E',
  // French front rounded vowels (peu, peur): the lips round as for /o/; the tongue is not seen.
  ø: 'oh',
  œ: 'oh',
  i: 'ih',
  ɪ: 'ih',
  ɨ: 'ih',
  j: 'ih',
  y: 'ou',
  ʏ: 'ou',
  ɥ: 'ou',
  o: 'oh',
  ɔ: 'oh',
  ɤ: 'oh',
  u: 'ou',
  ʊ: 'ou',
  ɯ: 'ou',
  w: 'ou',
  ʍ: 'ou',
};

const SILENCE_MARKS = new Set(['', '_', '#', '|', '‖', '.', '%']);

/** Stress digits (ARPAbet), stress and length marks, tie bars and combining diacritics (IPA). */
const PHONE_DECORATION = /[0-9ˈˌːˑ'‿]|\p{M}/gu;

function normalizePhone(phone: string): string {
  return phone.normalize('NFD').trim().toLowerCase().replace(PHONE_DECORATION, '');
}

function ipaViseme(symbol: string): Viseme | undefined {
  const whole = IPA[symbol];
  if (whole) return whole;
  // A multi-symbol IPA phone (diphthong, affricate): its first segment sets the shape.
  const two = IPA[symbol.slice(0, 2)];
  if (two) return two;
  const first = Array.from(symbol)[0];
  return first === undefined ? undefined : IPA[first];
}

/**
 * The viseme for one phone, or `undefined` for a symbol neither alphabet knows. Silence markers
 * (`pau`, `sil`, `_`, an empty string) are `sil`.
 */
export function phoneToViseme(phone: string, alphabet?: PhoneAlphabet): Viseme | undefined {
  const p = normalizePhone(phone);
  if (SILENCE_MARKS.has(p)) return 'sil';
  if (alphabet === 'ipa') return ipaViseme(p);
  return ARPABET[p] ?? (alphabet === 'arpabet' ? undefined : ipaViseme(p));
}

/** The shapes a phone moves through: two for a diphthong, else one. */
function phoneShapes(phone: string, alphabet: PhoneAlphabet | undefined): readonly Viseme[] {
  const p = normalizePhone(phone);
  if (alphabet !== 'ipa') {
    const diphthong = ARPABET_DIPHTHONGS[p];
    if (diphthong) return diphthong;
  }
  if (alphabet !== 'arpabet' && !ARPABET[p]) {
    const segments = Array.from(p).filter((c) => IPA[c] && isIpaVowel(c));
    const first = segments[0];
    const last = segments[segments.length - 1];
    if (segments.length >= 2 && first && last) {
      const a = IPA[first];
      const b = IPA[last];
      if (a && b && a !== b) return [a, b];
    }
  }
  const v = phoneToViseme(phone, alphabet);
  return v ? [v] : [];
}

const IPA_VOWELS = new Set(Array.from('aɑɐæʌəɒeɛɜœøiɪɨyʏoɔɤuʊɯ'));
function isIpaVowel(c: string): boolean {
  return IPA_VOWELS.has(c);
}

/** /h/ takes the mouth shape of what follows it. */
function isAspiration(phone: string): boolean {
  const p = normalizePhone(phone);
  return p === 'hh' || p === 'hv' || p === 'h' || p === 'ɦ';
}

/** Bilabial closures and lip-teeth contact are what viewers notice when missing, so they stay. */
const MUST_SHOW: ReadonlySet<Viseme> = new Set<Viseme>(['PP', 'FF']);

export interface PhonesToVisemesOptions {
  alphabet?: PhoneAlphabet;
  /**
   * Cues shorter than this (ms) are folded into their neighbours; PP and FF are lengthened to it
   * instead when the neighbours can spare the time. 40 ms is about 2.5 frames at 60 fps, the
   * shortest shape that reads on screen.
   */
  minCueMs?: number;
}

/**
 * Phone timings → a contiguous viseme timeline. Diphthongs split 60/40 into their two shapes,
 * /h/ takes the following shape, adjacent identical visemes merge, and cues shorter than
 * `minCueMs` are folded into their neighbours. Gaps between phones become `sil` (or are closed
 * when shorter than `minCueMs`). Unknown phones keep the previous shape.
 */
export function phonesToVisemes(
  phones: readonly PhoneTiming[],
  options: PhonesToVisemesOptions = {},
): VisemeCue[] {
  const minMs = options.minCueMs ?? 40;
  const sorted = phones.filter((p) => p.endMs > p.startMs).sort((a, b) => a.startMs - b.startMs);
  const raw: VisemeCue[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const phone = sorted[i] as PhoneTiming;
    let shapes = phoneShapes(phone.phone, options.alphabet);
    if (isAspiration(phone.phone)) {
      const next = sorted[i + 1];
      const nextShape =
        next && next.startMs - phone.endMs < minMs ? phoneShapes(next.phone, options.alphabet)[0] : undefined;
      if (nextShape && nextShape !== 'sil') shapes = [nextShape];
    }
    if (shapes.length === 0) shapes = [raw[raw.length - 1]?.viseme ?? 'sil'];
    const previous = raw[raw.length - 1];
    const startMs = previous ? Math.max(phone.startMs, previous.endMs) : phone.startMs;
    if (phone.endMs <= startMs) continue;
    if (previous && startMs > previous.endMs) {
      if (startMs - previous.endMs >= minMs)
        raw.push({ viseme: 'sil', startMs: previous.endMs, endMs: startMs });
      else previous.endMs = startMs;
    }
    if (shapes.length === 2) {
      const split = startMs + (phone.endMs - startMs) * 0.6;
      raw.push({ viseme: shapes[0] as Viseme, startMs, endMs: split });
      raw.push({ viseme: shapes[1] as Viseme, startMs: split, endMs: phone.endMs });
    } else {
      raw.push({ viseme: shapes[0] as Viseme, startMs, endMs: phone.endMs });
    }
  }
  const cues = mergeIdentical(raw);
  foldShortCues(cues, minMs);
  return cues.map((c) => ({ viseme: c.viseme, startMs: round(c.startMs), endMs: round(c.endMs) }));
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function mergeIdentical(cues: VisemeCue[]): VisemeCue[] {
  const out: VisemeCue[] = [];
  for (const cue of cues) {
    const last = out[out.length - 1];
    if (last && last.viseme === cue.viseme && last.endMs === cue.startMs) last.endMs = cue.endMs;
    else out.push({ ...cue });
  }
  return out;
}

function duration(cue: VisemeCue): number {
  return cue.endMs - cue.startMs;
}

/** Removes or lengthens cues shorter than `minMs`, shortest first, in place. */
function foldShortCues(cues: VisemeCue[], minMs: number): void {
  const settled = new Set<VisemeCue>();
  for (;;) {
    let index = -1;
    for (let i = 0; i < cues.length; i++) {
      const c = cues[i] as VisemeCue;
      if (
        !settled.has(c) &&
        duration(c) < minMs &&
        (index < 0 || duration(c) < duration(cues[index] as VisemeCue))
      ) {
        index = i;
      }
    }
    if (index < 0 || cues.length < 2) return;
    const cue = cues[index] as VisemeCue;
    const prev = cues[index - 1];
    const next = cues[index + 1];
    if (MUST_SHOW.has(cue.viseme) && lengthen(cue, prev, next, minMs)) {
      settled.add(cue);
      continue;
    }
    // Give the time to the neighbours: half each, or all to the only one.
    if (prev && next) {
      const mid = (cue.startMs + cue.endMs) / 2;
      prev.endMs = mid;
      next.startMs = mid;
    } else if (prev) prev.endMs = cue.endMs;
    else if (next) next.startMs = cue.startMs;
    cues.splice(index, 1);
    if (prev && next && prev.viseme === next.viseme && prev.endMs === next.startMs) {
      prev.endMs = next.endMs;
      cues.splice(index, 1);
    }
  }
}

/** Takes time from the neighbours (never below `minMs` each) so `cue` lasts `minMs`. */
function lengthen(
  cue: VisemeCue,
  prev: VisemeCue | undefined,
  next: VisemeCue | undefined,
  minMs: number,
): boolean {
  const need = minMs - duration(cue);
  const fromPrev = prev ? Math.max(0, duration(prev) - minMs) : 0;
  const fromNext = next ? Math.max(0, duration(next) - minMs) : 0;
  if (fromPrev + fromNext < need) return false;
  let takePrev = Math.min(fromPrev, need / 2);
  const takeNext = Math.min(fromNext, need - takePrev);
  takePrev = need - takeNext;
  if (prev) prev.endMs -= takePrev;
  cue.startMs -= takePrev;
  cue.endMs += takeNext;
  if (next) next.startMs += takeNext;
  return true;
}

/** The ARKit blendshapes the visemes drive; every other ARKit shape stays at 0. */
export const ARKIT_MOUTH_SHAPES = [
  'jawOpen',
  'mouthClose',
  'mouthFunnel',
  'mouthPucker',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthStretchLeft',
  'mouthStretchRight',
  'mouthRollLower',
  'mouthRollUpper',
  'mouthShrugUpper',
  'mouthPressLeft',
  'mouthPressRight',
  'mouthLowerDownLeft',
  'mouthLowerDownRight',
  'mouthUpperUpLeft',
  'mouthUpperUpRight',
  'tongueOut',
] as const;
export type ArkitMouthShape = (typeof ARKIT_MOUTH_SHAPES)[number];

type Weights = Partial<
  Record<
    ArkitMouthShape | 'mouthSmile' | 'mouthStretch' | 'mouthPress' | 'mouthLowerDown' | 'mouthUpperUp',
    number
  >
>;

/** Symmetric shapes are written once (`mouthSmile`) and expand to Left/Right. */
const ARKIT: Readonly<Record<Viseme, Weights>> = {
  sil: {},
  PP: { mouthClose: 0.35, jawOpen: 0.05, mouthPress: 0.5, mouthRollLower: 0.25, mouthRollUpper: 0.15 },
  FF: { jawOpen: 0.1, mouthRollLower: 0.6, mouthUpperUp: 0.25, mouthShrugUpper: 0.1 },
  TH: { jawOpen: 0.15, tongueOut: 0.4, mouthLowerDown: 0.15 },
  DD: { jawOpen: 0.2, mouthStretch: 0.2, mouthLowerDown: 0.1 },
  kk: { jawOpen: 0.25, mouthStretch: 0.25 },
  CH: { jawOpen: 0.15, mouthFunnel: 0.5, mouthPucker: 0.3, mouthShrugUpper: 0.2 },
  SS: { jawOpen: 0.08, mouthSmile: 0.35, mouthStretch: 0.3 },
  nn: { jawOpen: 0.15, mouthSmile: 0.15, mouthLowerDown: 0.1 },
  RR: { jawOpen: 0.15, mouthFunnel: 0.35, mouthPucker: 0.35 },
  aa: { jawOpen: 0.65, mouthLowerDown: 0.3, mouthFunnel: 0.05 },
  E: { jawOpen: 0.35, mouthSmile: 0.4, mouthStretch: 0.2, mouthUpperUp: 0.15 },
  ih: { jawOpen: 0.2, mouthSmile: 0.45, mouthStretch: 0.25 },
  oh: { jawOpen: 0.45, mouthFunnel: 0.6, mouthPucker: 0.2 },
  ou: { jawOpen: 0.15, mouthPucker: 0.8, mouthFunnel: 0.4 },
};

/** ARKit blendshape weights (0..1) for a viseme, with every shape in `ARKIT_MOUTH_SHAPES` present. */
export function visemeToArkit(viseme: Viseme): Record<ArkitMouthShape, number> {
  const out = Object.fromEntries(ARKIT_MOUTH_SHAPES.map((s) => [s, 0])) as Record<ArkitMouthShape, number>;
  for (const [name, weight] of Object.entries(ARKIT[viseme])) {
    if (name in out) out[name as ArkitMouthShape] = weight;
    else {
      out[`${name}Left` as ArkitMouthShape] = weight;
      out[`${name}Right` as ArkitMouthShape] = weight;
    }
  }
  return out;
}

export type VrmMouthExpression = 'aa' | 'ih' | 'ou' | 'ee' | 'oh';

const VRM: Readonly<Record<Viseme, Partial<Record<VrmMouthExpression, number>>>> = {
  sil: {},
  PP: {},
  FF: { ih: 0.2 },
  TH: { aa: 0.1, ih: 0.2 },
  DD: { aa: 0.2, ih: 0.15 },
  kk: { aa: 0.3, ee: 0.1 },
  CH: { ou: 0.4, oh: 0.2 },
  SS: { ih: 0.4, ee: 0.2 },
  nn: { aa: 0.15, ih: 0.2 },
  RR: { ou: 0.4, oh: 0.2 },
  aa: { aa: 1 },
  E: { ee: 0.8, aa: 0.2 },
  ih: { ih: 0.9 },
  oh: { oh: 1 },
  ou: { ou: 1 },
};

/** VRM 0/1 mouth expression weights (0..1) for a viseme; all five keys are present. */
export function visemeToVrm(viseme: Viseme): Record<VrmMouthExpression, number> {
  return { aa: 0, ih: 0, ou: 0, ee: 0, oh: 0, ...VRM[viseme] };
}

/** Azure Speech viseme IDs (0–21, its "viseme ID to phoneme" table for en-US). */
const TO_AZURE: Readonly<Record<Viseme, number>> = {
  sil: 0,
  PP: 21,
  FF: 18,
  TH: 17,
  DD: 19,
  kk: 20,
  CH: 16,
  SS: 15,
  nn: 14,
  RR: 13,
  aa: 2,
  E: 4,
  ih: 6,
  oh: 8,
  ou: 7,
};

/** Indexed by Azure viseme ID; the comment gives Azure's phones for that ID. */
const FROM_AZURE: readonly Viseme[] = [
  'sil', // 0 silence
  'aa', // 1 æ ə ʌ
  'aa', // 2 ɑ
  'oh', // 3 ɔ
  'E', // 4 ɛ ʊ
  'RR', // 5 ɝ
  'ih', // 6 j i ɪ
  'ou', // 7 w u
  'oh', // 8 o
  'aa', // 9 aʊ
  'oh', // 10 ɔɪ
  'aa', // 11 aɪ
  'kk', // 12 h
  'RR', // 13 ɹ
  'nn', // 14 l
  'SS', // 15 s z
  'CH', // 16 ʃ tʃ dʒ ʒ
  'TH', // 17 ð
  'FF', // 18 f v
  'DD', // 19 d t n θ
  'kk', // 20 k g ŋ
  'PP', // 21 p b m
];

export function visemeToAzureId(viseme: Viseme): number {
  return TO_AZURE[viseme];
}

/** An Azure viseme event's ID → viseme. IDs outside 0–21 are a provider fault. */
export function azureIdToViseme(id: number): Viseme {
  const v = Number.isInteger(id) ? FROM_AZURE[id] : undefined;
  if (!v) throw new VisemoError(ErrorCode.ProviderFailed, `Azure viseme ID ${id} is outside 0–21`);
  return v;
}
