import type { VadEvent } from '@visemo/core';

export interface HangoverOptions {
  /**
   * Silence that ends speech, in ms. Long enough to bridge a pause inside a sentence (people pause
   * 150–300 ms between phrases), short enough that the turn ends promptly. Default 400.
   */
  hangoverMs?: number;
  /** Speech shorter than this is not a start (a cough, a click), in ms. Default 90. */
  minSpeechMs?: number;
}

export const DEFAULT_HANGOVER_MS = 400;
export const DEFAULT_MIN_SPEECH_MS = 90;

/**
 * Turns a per-frame speech/non-speech decision into speech-start and speech-end events. `atMs` is
 * where in the audio speech started or ended (the first or last speech frame), not when the event
 * was decided: a start is known `minSpeechMs` later, an end `hangoverMs` later.
 */
export class TurnState {
  speaking = false;
  /** The silence that ends speech now: `setHangover` may shorten or lengthen it for a while. */
  private hangoverMs: number;
  private readonly defaultHangoverMs: number;
  private readonly minSpeechMs: number;
  /** Start of the current run of speech frames while not yet speaking, or -1. */
  private runStartMs = -1;
  /** End of the last speech frame while speaking. */
  private lastSpeechEndMs = 0;

  constructor(options: HangoverOptions = {}) {
    this.defaultHangoverMs = options.hangoverMs ?? DEFAULT_HANGOVER_MS;
    this.hangoverMs = this.defaultHangoverMs;
    this.minSpeechMs = options.minSpeechMs ?? DEFAULT_MIN_SPEECH_MS;
  }

  /** One frame from `startMs` to `endMs`; returns the event it completes, if any. */
  frame(isSpeech: boolean, startMs: number, endMs: number): VadEvent | undefined {
    if (!this.speaking) {
      if (!isSpeech) {
        this.runStartMs = -1;
        return undefined;
      }
      if (this.runStartMs < 0) this.runStartMs = startMs;
      if (endMs - this.runStartMs >= this.minSpeechMs) {
        this.speaking = true;
        this.lastSpeechEndMs = endMs;
        return { type: 'speech-start', atMs: Math.round(this.runStartMs) };
      }
      return undefined;
    }
    if (isSpeech) {
      this.lastSpeechEndMs = endMs;
      return undefined;
    }
    if (endMs - this.lastSpeechEndMs >= this.hangoverMs) {
      this.speaking = false;
      this.runStartMs = -1;
      return { type: 'speech-end', atMs: Math.round(this.lastSpeechEndMs) };
    }
    return undefined;
  }

  /** `null`: back to the hangover the detector was made with. */
  setHangover(ms: number | null): void {
    this.hangoverMs = ms ?? this.defaultHangoverMs;
  }

  reset(): void {
    this.hangoverMs = this.defaultHangoverMs;
    this.speaking = false;
    this.runStartMs = -1;
    this.lastSpeechEndMs = 0;
  }
}
