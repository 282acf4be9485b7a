/** The 15 Oculus/Meta visemes, Visemo's one internal mouth-shape set. */
export const VISEMES = [
  'sil',
  'PP',
  'FF',
  'TH',
  'DD',
  'kk',
  'CH',
  'SS',
  'nn',
  'RR',
  'aa',
  'E',
  'ih',
  'oh',
  'ou',
] as const;
export type Viseme = (typeof VISEMES)[number];

/** A phone with its time span in milliseconds, relative to the start of the audio it belongs to. */
export interface PhoneTiming {
  phone: string;
  startMs: number;
  endMs: number;
}

/** A mouth shape that starts at `startMs` and holds until `endMs` (ms from the chunk's first sample). */
export interface VisemeCue {
  viseme: Viseme;
  startMs: number;
  endMs: number;
}

/** A word with its time span, used to keep only what was actually played after barge-in. */
export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
}
