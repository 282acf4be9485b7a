import type { FlowStep, ProviderNotice, SynthesisResult, Transcript, TurnLatency } from '@visemo/core';
import type { VisemeCue } from '@visemo/core/visemes-types';
import type { ServerEvent } from '../protocol/server-events.js';
import { round } from './session-events.js';
import { SpokenReply } from './spoken-reply.js';
import type { TurnFrame } from './turn-pipeline.js';
import type { TurnInput, TurnMarks, TurnRecord } from './turn-record.js';

export interface TurnSetup {
  sessionId: string;
  input: TurnInput;
  /** The clock's time when the person finished (VAD end of speech, text received, greeting due). */
  inputEndedAt: number;
  /** Names for the record: the recognizer of a spoken turn, the model, the synthesizer of any audio. */
  recognizer?: string;
  llm?: string;
  synthesizer: string;
}

/** How many of the NLU's best intents a turn's record keeps. */
export const RANKED_INTENTS = 5;

/** What the client is sent for one turn frame, in this order: the events, then the audio. */
export interface TurnStep {
  events: ServerEvent[];
  /** The PCM16 samples of an `audio.chunk`, sent as a binary frame right after it. */
  audio?: Int16Array;
  /** This frame carried the turn's first audio: the client starts playing it now. */
  firstAudio: boolean;
  /** The dialogue ended the conversation. */
  endSession: boolean;
}

/**
 * One turn as it is produced: its abort, the reply and how much of it was heard, the latency of each
 * hop, and everything else its record keeps. Turn frames go in (`take`), protocol events come out.
 */
export class Turn {
  readonly reply = new SpokenReply();
  private readonly controller = new AbortController();
  private readonly latency: TurnLatency = {};
  private readonly marks: Omit<TurnMarks, 'inputEndedAt' | 'endedAt'> = {};
  /** The clock's time of the last frame taken: where a turn ends unless told otherwise. */
  private lastAt: number;
  private readonly sentences: string[] = [];
  private readonly notices: ProviderNotice[] = [];
  private user: TurnRecord['user'];
  private nlu: TurnRecord['nlu'];
  private flow: FlowStep | undefined;
  private handoff: string | undefined;
  private readonly expressions: NonNullable<TurnRecord['expressions']> = [];
  private speech: { voice: string | undefined; visemes: VisemeCue[]; endMs: number } | undefined;
  private answered = false;
  private endedSession = false;
  private spoke = false;

  constructor(
    readonly id: number,
    private readonly setup: TurnSetup,
  ) {
    this.lastAt = setup.inputEndedAt;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  abort(): void {
    this.controller.abort();
  }

  /** The person's words, final at `at`. */
  transcribed(text: string, transcript: Transcript, at: number): void {
    if (this.setup.input === 'speech') this.latency.asrFinalMs = round(at - this.setup.inputEndedAt, 1);
    this.marks.transcriptAt = at;
    this.lastAt = Math.max(this.lastAt, at);
    this.user = { text, confidence: transcript.confidence, understood: transcript.understood };
  }

  /** A provider's report during the turn (a fallback, a retry). */
  noted(notice: ProviderNotice): void {
    this.notices.push(notice);
  }

  /** Takes one frame of the pipeline at the clock's `now`. */
  take(frame: TurnFrame, now: number): TurnStep {
    const step: TurnStep = { events: [], firstAudio: false, endSession: false };
    this.lastAt = Math.max(this.lastAt, now);
    switch (frame.type) {
      case 'nlu': {
        this.marks.nluAt = now;
        if (this.marks.transcriptAt !== undefined)
          this.latency.nluMs = round(now - this.marks.transcriptAt, 2);
        const { result } = frame;
        const entities = () => result.entities.map(({ entity, value, text }) => ({ entity, value, text }));
        this.nlu = { intent: result.intent, confidence: result.confidence, entities: entities() };
        if (result.ranking.length > 0) {
          this.nlu.ranking = result.ranking
            .slice(0, RANKED_INTENTS)
            .map((r) => ({ intent: r.intent, confidence: round(r.confidence, 3) }));
        }
        step.events.push({
          type: 'nlu',
          turnId: this.id,
          intent: result.intent,
          confidence: round(result.confidence, 3),
          entities: entities(),
          ranking: result.ranking
            .slice(0, 3)
            .map((r) => ({ intent: r.intent, confidence: round(r.confidence, 3) })),
        });
        break;
      }
      case 'reply':
        this.answered = true;
        this.reply.answeredBy = frame.answeredBy;
        this.reply.source = frame.source;
        this.flow = frame.flow;
        break;
      case 'text': {
        if (this.marks.firstTextAt === undefined) {
          this.marks.firstTextAt = now;
          if (this.marks.nluAt !== undefined) this.latency.dialogueMs = round(now - this.marks.nluAt, 2);
        }
        this.reply.addText(frame.text);
        this.sentences.push(frame.text);
        const event: ServerEvent = {
          type: 'response.text',
          turnId: this.id,
          text: frame.text,
          answeredBy: this.reply.answeredBy,
        };
        if (this.reply.source !== undefined) event.source = this.reply.source;
        step.events.push(event);
        break;
      }
      case 'expression':
        this.expressions.push({ expression: frame.expression, intensity: frame.intensity });
        step.events.push({
          type: 'expression',
          turnId: this.id,
          expression: frame.expression,
          intensity: frame.intensity,
        });
        break;
      case 'audio': {
        const { synthesis } = frame;
        const seq = this.reply.addAudio(synthesis, now);
        this.marks.lastAudioAt = now;
        this.trackSpeech(frame.voice, synthesis);
        if (seq === 0) {
          this.marks.firstAudioAt = now;
          if (this.marks.firstTextAt !== undefined) {
            this.latency.ttsFirstAudioMs = round(now - this.marks.firstTextAt, 1);
          }
          this.latency.speechEndToFirstAudioMs = round(now - this.setup.inputEndedAt, 1);
          this.spoke = true;
          step.firstAudio = true;
        }
        step.events.push({
          type: 'audio.chunk',
          turnId: this.id,
          seq,
          sampleRate: synthesis.audio.sampleRate,
          samples: synthesis.audio.samples.length,
          durationMs: round((synthesis.audio.samples.length / synthesis.audio.sampleRate) * 1000, 1),
          text: frame.text,
          visemes: synthesis.visemes,
          words: synthesis.words,
        });
        step.audio = synthesis.audio.samples;
        break;
      }
      case 'tts-failed':
        step.events.push({
          type: 'error',
          code: frame.error.code,
          message: frame.error.message,
          fatal: false,
        });
        break;
      case 'handoff':
        this.handoff = frame.reason;
        step.events.push({ type: 'handoff', turnId: this.id, reason: frame.reason });
        break;
      case 'end-session':
        this.endedSession = true;
        step.endSession = true;
        break;
    }
    return step;
  }

  /** The reply's track so far, each chunk's cues moved to where its audio starts. */
  private trackSpeech(voice: string | undefined, synthesis: SynthesisResult): void {
    this.speech ??= { voice, visemes: [], endMs: 0 };
    const offset = this.speech.endMs;
    for (const cue of synthesis.visemes) {
      this.speech.visemes.push({ ...cue, startMs: cue.startMs + offset, endMs: cue.endMs + offset });
    }
    this.speech.endMs = offset + (synthesis.audio.samples.length / synthesis.audio.sampleRate) * 1000;
  }

  /** The turn's record, once it has ended at `endedAt`: the one place a turn's data is gathered. */
  record(endedAt: number = this.lastAt): TurnRecord {
    const { sessionId, input, inputEndedAt, recognizer, llm, synthesizer } = this.setup;
    const record: TurnRecord = {
      sessionId,
      turnId: this.id,
      input,
      fullReplyText: this.sentences.join(' '),
      spokenText: this.reply.spokenText(),
      interrupted: this.aborted,
      latency: { ...this.latency },
      marks: { inputEndedAt, ...this.marks, endedAt },
      providers: { notices: [...this.notices] },
      endedSession: this.endedSession,
    };
    if (this.expressions.length > 0) record.expressions = [...this.expressions];
    if (this.flow) record.flow = this.flow;
    if (this.speech) {
      const { voice, visemes } = this.speech;
      record.speech = { ...(voice === undefined ? {} : { voice }), visemes: [...visemes] };
    }
    if (this.user) record.user = this.user;
    if (this.nlu) record.nlu = this.nlu;
    if (this.answered) record.answeredBy = this.reply.answeredBy;
    if (this.reply.source !== undefined) record.source = this.reply.source;
    if (input === 'speech' && recognizer !== undefined) record.providers.asr = recognizer;
    if (this.reply.answeredBy === 'llm' && this.answered && llm !== undefined) record.providers.llm = llm;
    if (this.spoke) record.providers.tts = synthesizer;
    if (this.handoff !== undefined) record.handoff = this.handoff;
    return record;
  }
}
