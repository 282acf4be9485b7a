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
import { DECIDING_HANGOVER_MS, type SpeechOverPlayback } from './speech-over-playback.js';

/** Longest utterance the recognizer takes before the turn is closed for it. */
export const MAX_UTTERANCE_MS = 20_000;
/** How often a partial transcript is sent while the person speaks. */
export const PARTIAL_INTERVAL_MS = 250;

/** What listening produces, in the order the session must act on it. */
export type ListeningFrame =
  /** The VAD heard speech start or end; `atMs` counts from the first sample of the session. */
  | { type: 'vad'; event: VadEvent }
  /** The person speaks (or pushed to talk): whatever the agent says must stop now. */
  | { type: 'barge-in' }
  /** The person speaks over the agent's voice (with `overlap`): turn it down while deciding. */
  | { type: 'duck' }
  /** What they said over it was a backchannel: the voice comes back, and it is no turn. */
  | { type: 'backchannel' }
  /** The recognizer's best guess so far, when it changed. */
  | { type: 'partial'; text: string }
  /**
   * The person finished an utterance at `endedAt` (the clock's time); the recognizer's final
   * transcript follows. On failure the recognition stream is already cancelled.
   */
  | {
      type: 'utterance';
      endedAt: number;
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
  /** Speech over the agent's playback ducks it first, then barges in unless a backchannel. */
  overlap?: SpeechOverPlayback;
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

  constructor(private readonly options: ListeningOptions) {
    this.input = new AudioInput(options.inputSampleRate, options.inputFilter);
    this.now = options.now ?? (() => performance.now());
  }

  /** Takes a binary frame of PCM16 audio. */
  *push(bytes: Uint8Array): Generator<ListeningFrame> {
    const { vad, overlap } = this.options;
    const samples = this.input.push(bytes);
    const events = vad.push(samples);
    overlap?.advance((samples.length / 16) | 0);
    for (const event of events) {
      yield { type: 'vad', event };
      if (event.type === 'speech-start') {
        const reaction = overlap?.started(event.atMs) ?? 'barge-in';
        yield { type: reaction };
        this.open(this.input.preroll());
        if (reaction === 'duck') vad.setHangover?.(DECIDING_HANGOVER_MS);
      } else if (this.utterance) {
        const verdict = overlap?.ended(event.atMs, this.utterance.stream.partial()) ?? 'turn';
        if (verdict === 'backchannel') {
          this.dropUtterance();
          yield { type: 'backchannel' };
          continue;
        }
        if (verdict === 'interruption') yield { type: 'barge-in' };
        yield this.endUtterance();
      }
    }
    const utterance = this.utterance;
    if (!utterance) return;
    if (overlap?.judging && overlap.stopsReply(utterance.stream.partial())) {
      vad.setHangover?.(null);
      yield { type: 'barge-in' };
    }
    utterance.stream.write(samples);
    utterance.heard?.push(samples);
    if (this.input.utteranceMs() > MAX_UTTERANCE_MS) {
      yield this.endUtterance();
      return;
    }
    this.adjustEndOfTurn(utterance);
    const now = this.now();
    // Words said over the agent are shown once they turn out to be a turn, not a backchannel.
    if (!overlap?.judging && now - utterance.lastPartialAt >= PARTIAL_INTERVAL_MS) {
      utterance.lastPartialAt = now;
      const partial = utterance.stream.partial();
      if (partial && partial !== utterance.lastPartial) {
        utterance.lastPartial = partial;
        yield { type: 'partial', text: partial };
      }
    }
  }

  /** Push-to-talk released: the utterance ends now, even if the VAD heard no end (or no start). */
  *commit(): Generator<ListeningFrame> {
    if (!this.utterance) {
      const heard = this.input.sinceLastTurn();
      if (heard.length === 0) return;
      yield { type: 'barge-in' };
      this.open(heard);
    }
    this.options.vad.reset();
    yield this.endUtterance();
  }

  /** Speech that was no turn (a backchannel): its recognition is dropped. */
  private dropUtterance(): void {
    this.utterance?.stream.cancel();
    this.utterance = null;
    this.options.vad.setHangover?.(null);
    this.input.endUtterance();
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

  private endUtterance(): ListeningFrame {
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
    if (!utterance.heard) return { type: 'utterance', endedAt, transcript };
    return { type: 'utterance', endedAt, transcript, audio: joinSamples(utterance.heard) };
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
