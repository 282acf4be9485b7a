import {
  type RecognitionStream,
  type SpeechRecognizer,
  type Transcript,
  type VadEvent,
  type VoiceActivityDetector,
  withDeadline,
} from '@visemo/core';
import type { AudioFilter } from '../runtime.js';
import { AudioInput } from './audio-input.js';

/** Longest utterance the recognizer takes before the turn is closed for it. */
export const MAX_UTTERANCE_MS = 20_000;
/** How often a partial transcript is sent while the person speaks. */
export const PARTIAL_INTERVAL_MS = 250;

export type UtteranceEnd = 'pause' | 'release' | 'limit';

/** What listening produces, in the order the session must act on it. */
export type ListeningFrame =
  /** The VAD heard speech start or end; `atMs` counts from the first sample of the session. */
  | { type: 'vad'; event: VadEvent }
  /** The person speaks (or pushed to talk): whatever the agent says must stop now. */
  | { type: 'barge-in' }
  /** The recognizer's best guess so far, when it changed. */
  | { type: 'partial'; text: string }
  /**
   * The person finished an utterance at `endedAt` (the clock's time); the recognizer's final
   * transcript follows. On failure the recognition stream is already cancelled.
   */
  | {
      type: 'utterance';
      endedAt: number;
      /** What ended it: a pause the VAD heard, the push-to-talk release, or MAX_UTTERANCE_MS. */
      endedBy: UtteranceEnd;
      transcript: Promise<Transcript>;
      /** With `keepAudio`: the utterance as the recognizer heard it, pre-roll included (16 kHz). */
      audio?: Int16Array;
    };

export interface ListeningOptions {
  vad: VoiceActivityDetector;
  recognizer: SpeechRecognizer;
  /** The client's microphone rate; audio is resampled to the pipeline's 16 kHz. */
  inputSampleRate: number;
  /** Runs on the 16 kHz audio before the VAD (noise suppression); closed with the stage. */
  inputFilter?: AudioFilter;
  /** The recognizer's time limit for its final transcript, in ms. */
  asrTimeoutMs: number;
  /** The end-of-turn pause after a complete sentence (AgentRuntime.afterPhraseMs). */
  afterPhraseMs?: number;
  /** Hand each utterance's audio over with it (for recordings the person consented to). */
  keepAudio?: boolean;
  /** Who speaks (the session): the recognizer keeps what it adapts to per speaker. */
  speaker?: string;
  /** The clock of end-of-speech times and partial intervals, in ms; `performance.now` by default. */
  now?: () => number;
}

/** Speech being recognized, from the VAD's start of speech to its end. */
interface OpenUtterance {
  stream: RecognitionStream;
  lastPartial: string;
  lastPartialAt: number;
  /** Whether the recognizer has heard a whole sentence, so a shorter pause ends the turn. */
  complete: boolean;
  /** What the recognizer was given, with `keepAudio` (bounded by MAX_UTTERANCE_MS). */
  heard: Int16Array[] | null;
}

/**
 * The first half of the pipeline: microphone audio → VAD → streaming recognition → end of turn
 * (the second, from the words on, is turn-pipeline.ts). It yields frames lazily, so the session
 * acts on each before the stage goes on: a barge-in stops the answer before the recognizer starts.
 */
export class ListeningStage {
  private readonly input: AudioInput;
  private readonly now: () => number;
  private utterance: OpenUtterance | null = null;
  /** Push-to-talk is held: the VAD only finds where speech starts; the release ends the utterance. */
  private held = false;

  constructor(private readonly options: ListeningOptions) {
    this.input = new AudioInput(options.inputSampleRate, options.inputFilter);
    this.now = options.now ?? (() => performance.now());
  }

  /** Takes a binary frame of PCM16 audio. */
  *push(bytes: Uint8Array): Generator<ListeningFrame> {
    const { vad } = this.options;
    const samples = this.input.push(bytes);
    for (const event of vad.push(samples)) {
      if (this.held) {
        // A pause while the key is down is part of the utterance; only its first speech opens it.
        if (event.type === 'speech-start' && !this.utterance) this.open(this.input.preroll());
        continue;
      }
      yield { type: 'vad', event };
      if (event.type === 'speech-start') {
        yield { type: 'barge-in' };
        this.open(this.input.preroll());
      } else if (this.utterance) {
        yield this.endUtterance('pause');
      }
    }
    const utterance = this.utterance;
    if (!utterance) return;
    utterance.stream.write(samples);
    utterance.heard?.push(samples);
    if (this.input.utteranceMs() > MAX_UTTERANCE_MS) {
      yield this.endUtterance('limit');
      return;
    }
    if (!this.held) this.adjustEndOfTurn(utterance);
    const now = this.now();
    if (now - utterance.lastPartialAt >= PARTIAL_INTERVAL_MS) {
      utterance.lastPartialAt = now;
      const partial = utterance.stream.partial();
      if (partial && partial !== utterance.lastPartial) {
        utterance.lastPartial = partial;
        yield { type: 'partial', text: partial };
      }
    }
  }

  /**
   * Push-to-talk pressed: whatever the agent says stops, and until `commit` a pause ends nothing.
   * Audio from before the press belongs to no utterance.
   */
  *hold(): Generator<ListeningFrame> {
    if (this.held) return;
    this.held = true;
    yield { type: 'barge-in' };
    if (!this.utterance) {
      this.options.vad.reset();
      this.input.endUtterance();
    }
  }

  /**
   * Push-to-talk released: the utterance ends now, even if the VAD heard no end. After a `hold`,
   * a press in which the VAD heard no speech ends nothing (a tap in silence is not a turn); without
   * one, the audio since the last turn is recognized even if the VAD never heard it start.
   */
  *commit(): Generator<ListeningFrame> {
    if (this.held) {
      this.held = false;
      this.options.vad.reset();
      if (this.utterance) yield this.endUtterance('release');
      else this.input.endUtterance();
      return;
    }
    if (!this.utterance) {
      const heard = this.input.sinceLastTurn();
      if (heard.length === 0) return;
      yield { type: 'barge-in' };
      this.open(heard);
    }
    this.options.vad.reset();
    yield this.endUtterance('release');
  }

  /** The session ended: the utterance being recognized is dropped. */
  close(): void {
    this.utterance?.stream.cancel();
    this.utterance = null;
    this.options.inputFilter?.close();
  }

  /**
   * End of turn: once the recognizer has heard a whole sentence the person has most likely
   * finished, so the VAD ends the turn after `afterPhraseMs` of silence instead of its hangover.
   */
  private adjustEndOfTurn(utterance: OpenUtterance): void {
    const { vad, afterPhraseMs } = this.options;
    if (afterPhraseMs === undefined || !vad.setHangover) return;
    const complete = utterance.stream.complete?.() ?? false;
    if (complete === utterance.complete) return;
    utterance.complete = complete;
    vad.setHangover(complete ? afterPhraseMs : null);
  }

  private open(preroll: Int16Array): void {
    this.utterance?.stream.cancel();
    const { speaker } = this.options;
    const stream = this.options.recognizer.start(speaker === undefined ? {} : { speaker });
    if (preroll.length > 0) stream.write(preroll);
    this.utterance = {
      stream,
      lastPartial: '',
      lastPartialAt: this.now(),
      complete: false,
      heard: this.options.keepAudio ? [preroll] : null,
    };
    this.options.vad.setHangover?.(null);
    this.input.startUtterance();
  }

  private endUtterance(endedBy: UtteranceEnd): ListeningFrame {
    const utterance = this.utterance as OpenUtterance;
    const endedAt = this.now();
    this.utterance = null;
    this.options.vad.setHangover?.(null);
    this.input.endUtterance();
    const { recognizer, asrTimeoutMs } = this.options;
    const transcript = withDeadline(recognizer.name, asrTimeoutMs, undefined, () =>
      utterance.stream.finish(),
    );
    transcript.catch(() => utterance.stream.cancel());
    if (!utterance.heard) return { type: 'utterance', endedAt, endedBy, transcript };
    return { type: 'utterance', endedAt, endedBy, transcript, audio: joinSamples(utterance.heard) };
  }
}

function joinSamples(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
