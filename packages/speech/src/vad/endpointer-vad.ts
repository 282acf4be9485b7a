import type { VadEvent, VoiceActivityDetector } from '@visemo/core';
import { loadSoundSwallower, type SoundSwallowerRuntime } from '../asr/soundswallower.js';
import { DEFAULT_HANGOVER_MS, DEFAULT_MIN_SPEECH_MS, type HangoverOptions } from './turn-state.js';

export interface EndpointerVadOptions extends HangoverOptions {
  /** Aggressiveness of PocketSphinx's VAD, 0 (least) to 3 (most likely to call noise silence). Default 2. */
  mode?: 0 | 1 | 2 | 3;
}

/** The C functions behind `Endpointer`, called directly to skip its float ↔ int16 copies. */
interface EndpointerRuntime extends SoundSwallowerRuntime {
  HEAP16: Int16Array;
  _endpointer_init(window: number, ratio: number, mode: number, rate: number, frameLength: number): number;
  _endpointer_process(endpointer: number, frame: number): number;
  _endpointer_in_speech(endpointer: number): number;
  _endpointer_speech_start(endpointer: number): number;
  _endpointer_speech_end(endpointer: number): number;
}

const RATE = 16000;
/** PocketSphinx VAD frame: 30 ms = 480 samples. */
const FRAME = 480;
const FRAME_MS = 30;
/** Endpointer window of 3 frames, 2 of them speech: a short smoother; our hangover does the rest. */
const WINDOW_S = 0.09;
const RATIO = 0.66;

/**
 * VAD over SoundSwallower's `Endpointer` (PocketSphinx's energy/spectral VAD with a short window),
 * with our own hangover. Events are decided from the endpointer's speech start and end stamps.
 */
export class EndpointerVad implements VoiceActivityDetector {
  readonly name = 'soundswallower-endpointer';
  private endpointer: number;
  private readonly buffer: number;
  private readonly pending = new Int16Array(FRAME);
  private pendingFill = 0;
  private frames = 0;
  private epInSpeech = false;
  private inTurn = false;
  private candidateStartMs = -1;
  private pendingEndMs = -1;
  private hangoverMs: number;
  private readonly defaultHangoverMs: number;
  private readonly minSpeechMs: number;
  private readonly mode: number;

  private constructor(
    private readonly module: EndpointerRuntime,
    options: EndpointerVadOptions,
  ) {
    this.defaultHangoverMs = options.hangoverMs ?? DEFAULT_HANGOVER_MS;
    this.hangoverMs = this.defaultHangoverMs;
    this.minSpeechMs = options.minSpeechMs ?? DEFAULT_MIN_SPEECH_MS;
    this.mode = options.mode ?? 2;
    this.endpointer = this.newEndpointer();
    // One frame buffer in the WebAssembly heap for the detector's life.
    this.buffer = module._malloc(FRAME * 2);
  }

  static async create(options: EndpointerVadOptions = {}): Promise<EndpointerVad> {
    return new EndpointerVad((await loadSoundSwallower()) as EndpointerRuntime, options);
  }

  get speaking(): boolean {
    return this.inTurn;
  }

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(FRAME - this.pendingFill, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + take), this.pendingFill);
      this.pendingFill += take;
      offset += take;
      if (this.pendingFill === FRAME) {
        this.pendingFill = 0;
        this.frame(events);
      }
    }
    return events;
  }

  setHangover(ms: number | null): void {
    this.hangoverMs = ms ?? this.defaultHangoverMs;
  }

  /**
   * Starts over. The old endpointer stays in the WebAssembly heap (SoundSwallower exports no way to
   * free one; about 3 KB each), so reset per session, not per frame.
   */
  reset(): void {
    this.endpointer = this.newEndpointer();
    this.hangoverMs = this.defaultHangoverMs;
    this.pendingFill = 0;
    this.frames = 0;
    this.epInSpeech = false;
    this.inTurn = false;
    this.candidateStartMs = -1;
    this.pendingEndMs = -1;
  }

  private newEndpointer(): number {
    return this.module._endpointer_init(WINDOW_S, RATIO, this.mode, RATE, FRAME_MS / 1000);
  }

  private frame(events: VadEvent[]): void {
    const m = this.module;
    m.HEAP16.set(this.pending, this.buffer >> 1);
    m._endpointer_process(this.endpointer, this.buffer);
    this.frames++;
    const nowMs = this.frames * FRAME_MS;
    const inSpeech = m._endpointer_in_speech(this.endpointer) !== 0;
    if (inSpeech && !this.epInSpeech) {
      if (this.inTurn) this.pendingEndMs = -1;
      else this.candidateStartMs = m._endpointer_speech_start(this.endpointer) * 1000;
    } else if (!inSpeech && this.epInSpeech) {
      const endMs = m._endpointer_speech_end(this.endpointer) * 1000;
      if (this.inTurn) this.pendingEndMs = endMs;
      else this.candidateStartMs = -1;
    }
    this.epInSpeech = inSpeech;
    if (
      !this.inTurn &&
      this.candidateStartMs >= 0 &&
      inSpeech &&
      nowMs - this.candidateStartMs >= this.minSpeechMs
    ) {
      this.inTurn = true;
      this.pendingEndMs = -1;
      events.push({ type: 'speech-start', atMs: Math.round(this.candidateStartMs) });
      this.candidateStartMs = -1;
    }
    if (this.inTurn && this.pendingEndMs >= 0 && nowMs - this.pendingEndMs >= this.hangoverMs) {
      this.inTurn = false;
      events.push({ type: 'speech-end', atMs: Math.round(this.pendingEndMs) });
      this.pendingEndMs = -1;
    }
  }
}
