import {
  PIPELINE_SAMPLE_RATE,
  type RecognitionStream,
  type SpeechRecognizer,
  type Transcript,
  type VadEvent,
  type VoiceActivityDetector,
  withDeadline,
} from '@visemo/core';
import { IntonationTracker } from '@visemo/speech';
import type { AudioFilter } from '../runtime.js';
import { AudioInput } from './audio-input.js';
import { endOfTurnPause } from './end-of-turn.js';
import { DECIDING_HANGOVER_MS, type SpeechOverPlayback } from './speech-over-playback.js';

/** Longest utterance the recognizer takes before the turn is closed for it. */
export const MAX_UTTERANCE_MS = 20_000;
/**
 * Into a pause, the recognizer's hypothesis drifts (silence decoded as the phone loop's noise), so
 * the end-of-turn decision is taken from what was heard up to this far into the quiet.
 */
const DECISION_SETTLES_MS = 200;
/** A frame quieter than this share of the utterance's loudest is part of a pause. */
const QUIET_SHARE = 0.1;

/** How often a partial transcript is sent while the person speaks. */
export const PARTIAL_INTERVAL_MS = 250;

export type UtteranceEnd = 'pause' | 'release' | 'limit';

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
  /**
   * The end-of-turn pause after the beginning of a longer sentence (AgentRuntime.unfinishedMs);
   * without it such a pause gets the VAD's own hangover.
   */
  unfinishedMs?: number;
  /** The end-of-turn rule; `endOfTurnPause` by default (another one for comparisons). */
  endOfTurn?: typeof endOfTurnPause;
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
  /** The end-of-turn pause set for it (end-of-turn.ts); null for the VAD's own. */
  pause: number | null;
  /** Its pitch, for the fall at the end of a sentence. */
  intonation: IntonationTracker;
  /** The loudest frame's RMS so far, and how long it has been quiet since the last loud frame. */
  loudest: number;
  quietMs: number;
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
    const { vad, overlap } = this.options;
    const samples = this.input.push(bytes);
    const frameMs = samples.length / (PIPELINE_SAMPLE_RATE / 1000);
    const events = vad.push(samples);
    overlap?.advance(Math.floor(frameMs));
    for (const event of events) {
      if (this.held) {
        // A pause while the key is down is part of the utterance; only its first speech opens it.
        if (event.type === 'speech-start' && !this.utterance) this.open(this.input.preroll());
        continue;
      }
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
        yield this.endUtterance('pause');
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
    utterance.intonation.push(samples);
    if (this.input.utteranceMs() > MAX_UTTERANCE_MS) {
      yield this.endUtterance('limit');
      return;
    }
    this.measureQuiet(utterance, samples, frameMs);
    if (!this.held && utterance.quietMs <= DECISION_SETTLES_MS) this.adjustEndOfTurn(utterance);
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

  /**
   * Push-to-talk pressed: whatever the agent says stops, and until `commit` a pause ends nothing.
   * Audio from before the press belongs to no utterance.
   */
  *hold(): Generator<ListeningFrame> {
    if (this.held) return;
    this.held = true;
    this.options.overlap?.settle();
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
   * End of turn beyond a silence timer (end-of-turn.ts): once the recognizer has heard a whole
   * sentence that the voice let fall, the person has most likely finished and the VAD ends the
   * turn after `afterPhraseMs` of silence; after the beginning of a longer sentence, only after
   * `unfinishedMs`; otherwise after its own hangover.
   */
  private adjustEndOfTurn(utterance: OpenUtterance): void {
    const { vad, afterPhraseMs, unfinishedMs } = this.options;
    if (afterPhraseMs === undefined || !vad.setHangover) return;
    const { stream } = utterance;
    const rule = this.options.endOfTurn ?? endOfTurnPause;
    const pause = rule(
      {
        complete: stream.complete?.(),
        continues: stream.continues?.(),
        falls: utterance.intonation.fallsAtEnd(),
      },
      unfinishedMs === undefined ? { afterPhraseMs } : { afterPhraseMs, unfinishedMs },
    );
    if (pause === utterance.pause) return;
    utterance.pause = pause;
    vad.setHangover(pause);
  }

  private measureQuiet(utterance: OpenUtterance, samples: Int16Array, frameMs: number): void {
    let sum = 0;
    for (const s of samples) sum += s * s;
    const rms = Math.sqrt(sum / Math.max(1, samples.length));
    if (rms < utterance.loudest * QUIET_SHARE) {
      utterance.quietMs += frameMs;
      return;
    }
    utterance.loudest = Math.max(utterance.loudest, rms);
    utterance.quietMs = 0;
  }

  private open(preroll: Int16Array): void {
    this.utterance?.stream.cancel();
    const { speaker } = this.options;
    const stream = this.options.recognizer.start(speaker === undefined ? {} : { speaker });
    if (preroll.length > 0) stream.write(preroll);
    const intonation = new IntonationTracker();
    intonation.push(preroll);
    this.utterance = {
      stream,
      lastPartial: '',
      lastPartialAt: this.now(),
      pause: null,
      intonation,
      loudest: 0,
      quietMs: 0,
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
