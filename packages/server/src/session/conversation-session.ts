import { randomUUID } from 'node:crypto';
import {
  type DialoguePolicy,
  ErrorCode,
  isAbortError,
  PIPELINE_SAMPLE_RATE,
  type RecognitionStream,
  type Transcript,
  VisemoError,
  type VoiceActivityDetector,
  withDeadline,
} from '@visemo/core';
import {
  type ClientMessage,
  parseClientMessage,
  type SessionStartMessage,
} from '../protocol/client-messages.js';
import {
  MAX_BINARY_FRAME_BYTES,
  MAX_TEXT_CHARS,
  MAX_TEXT_FRAME_BYTES,
  PROTOCOL_VERSION,
} from '../protocol/limits.js';
import type { ServerEvent, TurnLatency } from '../protocol/server-events.js';
import type { AgentRuntime } from '../runtime.js';
import { AudioInput } from './audio-input.js';
import { SpokenReply } from './spoken-reply.js';
import { type ProviderNotice, turnContext } from './turn-context.js';
import { runGreetingTurn, runUserTurn, type TurnFrame, type TurnOptions } from './turn-pipeline.js';

/** Where a session's events go: a WebSocket in the server, an array in tests and benchmarks. */
export interface SessionTransport {
  sendEvent(event: ServerEvent): void;
  sendAudio(samples: Int16Array): void;
  close(): void;
}

export interface TranscriptEntry {
  turnId: number;
  role: 'user' | 'agent';
  text: string;
  interrupted?: boolean;
}

interface ActiveTurn {
  id: number;
  controller: AbortController;
  reply: SpokenReply;
  /** performance.now() when the user finished (VAD speech-end or text received). */
  inputEndedAt: number;
  latency: TurnLatency;
  marks: { transcriptAt?: number; nluAt?: number; firstTextAt?: number };
}

/** Longest utterance the recognizer takes before the turn is closed for it. */
const MAX_UTTERANCE_MS = 20_000;
/** How often a partial transcript is sent while the person speaks. */
const PARTIAL_INTERVAL_MS = 250;

/** Speech being recognized, from the VAD's start of speech to its end. */
interface OpenUtterance {
  stream: RecognitionStream;
  lastPartial: string;
  lastPartialAt: number;
  /** Whether the recognizer has heard a whole sentence, so a shorter pause ends the turn. */
  complete: boolean;
}

/**
 * One conversation. Transport-agnostic: it takes raw protocol frames and emits protocol events, so
 * the WebSocket server, tests and benchmarks drive the same code.
 */
export class ConversationSession {
  readonly id = randomUUID();
  private state: 'new' | 'starting' | 'open' | 'closed' = 'new';
  /** Frames that arrived while the session was starting, handled once it is open. */
  private readonly backlog: (string | Uint8Array)[] = [];
  private settings: SessionStartMessage | null = null;
  private dialogue: DialoguePolicy | null = null;
  private vad: VoiceActivityDetector | null = null;
  private input: AudioInput | null = null;
  private utterance: OpenUtterance | null = null;
  private turnCounter = 0;
  private active: ActiveTurn | null = null;
  /** The last turn that sent audio: the one a barge-in interrupts while the client still plays it. */
  private lastSpoken: { id: number; reply: SpokenReply; interrupted: boolean } | null = null;
  /** Recent turns' replies by turn id, so a late `playback` report still finds its turn. */
  private readonly spokenReplies = new Map<number, SpokenReply>();
  private readonly transcriptEntries: TranscriptEntry[] = [];

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly transport: SessionTransport,
  ) {}

  get transcript(): readonly TranscriptEntry[] {
    return this.transcriptEntries;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** A text frame from the client. Never throws: problems become `error` events. */
  handleText(frame: string): void {
    if (this.state === 'starting') {
      this.backlog.push(frame);
      return;
    }
    try {
      if (Buffer.byteLength(frame) > MAX_TEXT_FRAME_BYTES) {
        throw new VisemoError(ErrorCode.MessageTooLarge, `text frame over ${MAX_TEXT_FRAME_BYTES} bytes`);
      }
      this.dispatch(parseClientMessage(frame));
    } catch (error) {
      this.reportError(error);
    }
  }

  /** A binary frame from the client: microphone audio. Never throws. */
  handleBinary(bytes: Uint8Array): void {
    if (this.state === 'starting') {
      this.backlog.push(new Uint8Array(bytes));
      return;
    }
    try {
      this.requireOpen();
      if (bytes.byteLength > MAX_BINARY_FRAME_BYTES) {
        throw new VisemoError(ErrorCode.MessageTooLarge, `binary frame over ${MAX_BINARY_FRAME_BYTES} bytes`);
      }
      if (bytes.byteLength % 2 !== 0) {
        throw new VisemoError(ErrorCode.BadAudio, 'binary frame has an odd byte length: audio must be PCM16');
      }
      if (!this.input || !this.vad) {
        throw new VisemoError(ErrorCode.BadAudio, 'this agent takes no speech input; send text');
      }
      this.consumeAudio(this.input.push(bytes));
    } catch (error) {
      this.reportError(error);
    }
  }

  /** The transport closed: stop everything this session runs. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.active?.controller.abort();
    this.utterance?.stream.cancel();
    this.utterance = null;
  }

  private dispatch(message: ClientMessage): void {
    if (message.type === 'session.start') {
      this.start(message);
      return;
    }
    this.requireOpen();
    switch (message.type) {
      case 'text':
        this.interruptSpeech('client');
        this.startTurn(message.text, 'text', { text: message.text, confidence: 1, understood: true });
        break;
      case 'audio.commit':
        this.commitUtterance();
        break;
      case 'playback':
        this.recordPlayback(message.turnId, message.playedMs);
        break;
      case 'interrupt':
        this.interruptSpeech('client');
        break;
      case 'transcript.get':
        this.transport.sendEvent({
          type: 'transcript',
          entries: this.transcriptEntries.map((e) => ({ ...e })),
        });
        break;
      case 'session.end':
        this.transport.sendEvent({ type: 'session.ended', reason: 'client' });
        this.close();
        this.transport.close();
        break;
    }
  }

  private start(message: SessionStartMessage): void {
    if (this.state === 'open' || this.state === 'starting') {
      throw new VisemoError(ErrorCode.BadMessage, 'the session has already started');
    }
    if (this.state === 'closed') throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
    const voices = this.runtime.synthesizer.voices;
    if (message.voice !== undefined && !voices.includes(message.voice)) {
      throw new VisemoError(
        ErrorCode.BadMessage,
        `unknown voice "${message.voice}"; voices: ${voices.join(', ')}`,
      );
    }
    this.settings = message;
    this.dialogue = this.runtime.createDialogue();
    if (!this.runtime.recognizer) {
      this.open(message);
      return;
    }
    this.input = new AudioInput(message.sampleRate);
    const vad = this.runtime.createVad();
    if (!(vad instanceof Promise)) {
      this.vad = vad;
      this.open(message);
      return;
    }
    this.state = 'starting';
    vad.then(
      (ready) => {
        if (this.state !== 'starting') return;
        this.vad = ready;
        this.open(message);
      },
      (error: unknown) => {
        this.state = 'new';
        this.reportError(error);
      },
    );
  }

  private open(message: SessionStartMessage): void {
    this.state = 'open';
    this.transport.sendEvent({
      type: 'session.started',
      protocol: PROTOCOL_VERSION,
      sessionId: this.id,
      agent: { name: this.runtime.persona.name, language: this.runtime.persona.language },
      audio: { encoding: 'pcm_s16le', sampleRate: PIPELINE_SAMPLE_RATE },
      limits: {
        maxTextFrameBytes: MAX_TEXT_FRAME_BYTES,
        maxBinaryFrameBytes: MAX_BINARY_FRAME_BYTES,
        maxTextChars: MAX_TEXT_CHARS,
      },
    });
    if (message.greet)
      this.runTurn(this.nextTurnId(), performance.now(), (options) => runGreetingTurn(options));
    else this.turnCounter = 1;
    for (const frame of this.backlog.splice(0)) {
      if (typeof frame === 'string') this.handleText(frame);
      else this.handleBinary(frame);
    }
  }

  private requireOpen(): void {
    if (this.state === 'new' || this.state === 'starting') {
      throw new VisemoError(ErrorCode.NoSession, 'send session.start first');
    }
    if (this.state === 'closed') throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
  }

  // ---- audio input: VAD → streaming ASR -------------------------------------------------------

  private consumeAudio(samples: Int16Array): void {
    const vad = this.vad as VoiceActivityDetector;
    const input = this.input as AudioInput;
    for (const event of vad.push(samples)) {
      this.transport.sendEvent({ type: 'vad', state: event.type, atMs: Math.round(event.atMs) });
      if (event.type === 'speech-start') {
        // Barge-in: stop the answer in this same frame, before anything else is sent.
        this.interruptSpeech('barge-in');
        this.openUtterance(input.preroll());
      } else if (this.utterance) {
        this.closeUtterance(performance.now());
      }
    }
    if (!this.utterance) return;
    this.utterance.stream.write(samples);
    if (input.utteranceMs() > MAX_UTTERANCE_MS) {
      this.closeUtterance(performance.now());
      return;
    }
    this.adjustEndOfTurn(vad, this.utterance);
    const now = performance.now();
    if (now - this.utterance.lastPartialAt >= PARTIAL_INTERVAL_MS) {
      this.utterance.lastPartialAt = now;
      const partial = this.utterance.stream.partial();
      if (partial && partial !== this.utterance.lastPartial) {
        this.utterance.lastPartial = partial;
        this.transport.sendEvent({ type: 'transcript.partial', turnId: this.turnCounter, text: partial });
      }
    }
  }

  /**
   * End of turn: once the recognizer has heard a whole sentence the person has most likely
   * finished, so the VAD ends the turn after `afterPhraseMs` of silence instead of its hangover.
   */
  private adjustEndOfTurn(vad: VoiceActivityDetector, utterance: OpenUtterance): void {
    const afterPhraseMs = this.runtime.afterPhraseMs;
    if (afterPhraseMs === undefined || !vad.setHangover) return;
    const complete = utterance.stream.complete?.() ?? false;
    if (complete === utterance.complete) return;
    utterance.complete = complete;
    vad.setHangover(complete ? afterPhraseMs : null);
  }

  private openUtterance(preroll: Int16Array): void {
    const recognizer = this.runtime.recognizer;
    if (!recognizer) return;
    this.utterance?.stream.cancel();
    const stream = recognizer.start();
    if (preroll.length > 0) stream.write(preroll);
    this.utterance = { stream, lastPartial: '', lastPartialAt: performance.now(), complete: false };
    this.vad?.setHangover?.(null);
    (this.input as AudioInput).startUtterance();
  }

  /** Push-to-talk released: the utterance ends now, even if the VAD heard no end (or no start). */
  private commitUtterance(): void {
    if (!this.input) throw new VisemoError(ErrorCode.BadAudio, 'this agent takes no speech input; send text');
    if (!this.utterance) {
      const heard = this.input.sinceLastTurn();
      if (heard.length === 0) return;
      this.interruptSpeech('barge-in');
      this.openUtterance(heard);
    }
    this.vad?.reset();
    this.closeUtterance(performance.now());
  }

  private closeUtterance(endedAt: number): void {
    const utterance = this.utterance;
    if (!utterance) return;
    this.utterance = null;
    this.vad?.setHangover?.(null);
    (this.input as AudioInput).endUtterance();
    const turnId = this.nextTurnId();
    const recognizer = this.runtime.recognizer as NonNullable<AgentRuntime['recognizer']>;
    withDeadline(recognizer.name, this.runtime.timeouts.asrMs, undefined, () => utterance.stream.finish())
      .then((transcript) => {
        if (this.state !== 'open') return;
        this.beginTurn(turnId, transcript.text, 'speech', transcript, endedAt, performance.now());
      })
      .catch((error: unknown) => {
        utterance.stream.cancel();
        if (this.state !== 'open') return;
        // The person spoke and waits for an answer: say the recognizer failed, then answer as for
        // speech that was not understood (the dialogue asks them to say it again).
        this.reportError(error);
        const missed: Transcript = { text: '', confidence: 0, understood: false };
        this.beginTurn(turnId, '', 'speech', missed, endedAt, performance.now());
      });
  }

  // ---- turns --------------------------------------------------------------------------------------

  private nextTurnId(): number {
    return this.turnCounter++;
  }

  private startTurn(text: string, source: 'speech' | 'text', transcript: Transcript): void {
    const now = performance.now();
    this.beginTurn(this.nextTurnId(), text, source, transcript, now, now);
  }

  private beginTurn(
    turnId: number,
    text: string,
    source: 'speech' | 'text',
    transcript: Transcript,
    inputEndedAt: number,
    transcriptAt: number,
  ): void {
    this.transport.sendEvent({
      type: 'transcript.final',
      turnId,
      text,
      confidence: round(transcript.confidence, 3),
      understood: transcript.understood,
      source,
    });
    this.transcriptEntries.push({ turnId, role: 'user', text: transcript.understood ? text : '' });
    // A turn that was not understood still gets an answer: the dialogue's fallback asks to rephrase.
    const heard = transcript.understood ? text : '';
    const turn = this.runTurn(turnId, inputEndedAt, (options) => runUserTurn(heard, options));
    if (source === 'speech') turn.latency.asrFinalMs = round(transcriptAt - inputEndedAt, 1);
    turn.marks.transcriptAt = transcriptAt;
  }

  private runTurn(
    turnId: number,
    inputEndedAt: number,
    produce: (options: TurnOptions) => AsyncGenerator<TurnFrame>,
  ): ActiveTurn {
    this.active?.controller.abort();
    const settings = this.settings as SessionStartMessage;
    const turn: ActiveTurn = {
      id: turnId,
      controller: new AbortController(),
      reply: new SpokenReply(),
      inputEndedAt,
      latency: {},
      marks: {},
    };
    this.active = turn;
    const frames = produce({
      runtime: this.runtime,
      dialogue: this.dialogue as DialoguePolicy,
      speak: settings.audio,
      voice: settings.voice ?? this.runtime.persona.voice,
      signal: turn.controller.signal,
    });
    // Providers report fallbacks through the turn's async context: see turn-context.ts.
    const notify = (notice: ProviderNotice) => {
      if (this.state === 'open') this.transport.sendEvent({ type: 'provider', turnId, ...notice });
    };
    void turnContext.run({ notify }, () => this.pump(turn, frames));
    return turn;
  }

  private async pump(turn: ActiveTurn, frames: AsyncGenerator<TurnFrame>): Promise<void> {
    let endSession = false;
    try {
      for await (const frame of frames) {
        if (turn.controller.signal.aborted || this.state !== 'open') break;
        endSession = this.emitFrame(turn, frame) || endSession;
      }
    } catch (error) {
      if (!isAbortError(error) && !turn.controller.signal.aborted) this.reportError(error);
    } finally {
      await frames.return(undefined).catch(() => undefined);
    }
    if (this.state !== 'open') return;
    const interrupted = turn.controller.signal.aborted;
    if (this.active === turn) this.active = null;
    const spokenText = turn.reply.spokenText();
    this.transcriptEntries.push({ turnId: turn.id, role: 'agent', text: spokenText, interrupted });
    if (interrupted) this.dialogue?.replyHeard?.(spokenText);
    this.transport.sendEvent({
      type: 'turn.end',
      turnId: turn.id,
      interrupted,
      spokenText,
      latency: turn.latency,
    });
    if (endSession) {
      this.transport.sendEvent({ type: 'session.ended', reason: 'server' });
      this.close();
      this.transport.close();
    }
  }

  /** Sends one frame's events; returns true when the dialogue ended the conversation. */
  private emitFrame(turn: ActiveTurn, frame: TurnFrame): boolean {
    const now = performance.now();
    switch (frame.type) {
      case 'nlu': {
        turn.marks.nluAt = now;
        if (turn.marks.transcriptAt !== undefined)
          turn.latency.nluMs = round(now - turn.marks.transcriptAt, 2);
        const { result } = frame;
        this.transport.sendEvent({
          type: 'nlu',
          turnId: turn.id,
          intent: result.intent,
          confidence: round(result.confidence, 3),
          entities: result.entities.map(({ entity, value, text }) => ({ entity, value, text })),
          ranking: result.ranking
            .slice(0, 3)
            .map((r) => ({ intent: r.intent, confidence: round(r.confidence, 3) })),
        });
        return false;
      }
      case 'reply':
        turn.reply.answeredBy = frame.answeredBy;
        turn.reply.source = frame.source;
        return false;
      case 'text': {
        if (turn.marks.firstTextAt === undefined) {
          turn.marks.firstTextAt = now;
          if (turn.marks.nluAt !== undefined) turn.latency.dialogueMs = round(now - turn.marks.nluAt, 2);
        }
        turn.reply.addText(frame.text);
        const event: ServerEvent = {
          type: 'response.text',
          turnId: turn.id,
          text: frame.text,
          answeredBy: turn.reply.answeredBy,
        };
        if (turn.reply.source !== undefined) event.source = turn.reply.source;
        this.transport.sendEvent(event);
        return false;
      }
      case 'expression':
        this.transport.sendEvent({
          type: 'expression',
          turnId: turn.id,
          expression: frame.expression,
          intensity: frame.intensity,
        });
        return false;
      case 'audio': {
        const { synthesis } = frame;
        const seq = turn.reply.addAudio(synthesis, now);
        if (seq === 0) {
          if (turn.marks.firstTextAt !== undefined) {
            turn.latency.ttsFirstAudioMs = round(now - turn.marks.firstTextAt, 1);
          }
          turn.latency.speechEndToFirstAudioMs = round(now - turn.inputEndedAt, 1);
          this.lastSpoken = { id: turn.id, reply: turn.reply, interrupted: false };
          this.spokenReplies.set(turn.id, turn.reply);
          // A client reports playback within a turn or two; older replies need not be kept.
          for (const id of this.spokenReplies.keys()) if (id < turn.id - 8) this.spokenReplies.delete(id);
        }
        this.transport.sendEvent({
          type: 'audio.chunk',
          turnId: turn.id,
          seq,
          sampleRate: synthesis.audio.sampleRate,
          samples: synthesis.audio.samples.length,
          durationMs: round((synthesis.audio.samples.length / synthesis.audio.sampleRate) * 1000, 1),
          text: frame.text,
          visemes: synthesis.visemes,
          words: synthesis.words,
        });
        this.transport.sendAudio(synthesis.audio.samples);
        return false;
      }
      case 'tts-failed':
        this.transport.sendEvent({
          type: 'error',
          code: frame.error.code,
          message: frame.error.message,
          fatal: false,
        });
        return false;
      case 'handoff':
        this.transport.sendEvent({ type: 'handoff', turnId: turn.id, reason: frame.reason });
        return false;
      case 'end-session':
        return true;
    }
  }

  /**
   * Stops the avatar speaking: aborts the turn being generated and, if the client is still playing
   * an earlier turn's audio, tells it to flush. Runs synchronously, so no further audio leaves.
   */
  private interruptSpeech(reason: 'barge-in' | 'client'): void {
    const now = performance.now();
    const active = this.active;
    if (active) {
      active.controller.abort();
      this.active = null;
      this.transport.sendEvent({ type: 'interrupted', turnId: active.id, reason });
      if (this.lastSpoken?.id === active.id) this.lastSpoken.interrupted = true;
      return;
    }
    const last = this.lastSpoken;
    if (last && !last.interrupted && last.reply.isPlayingAt(now)) {
      last.interrupted = true;
      this.transport.sendEvent({ type: 'interrupted', turnId: last.id, reason });
      const entry = this.transcriptEntries.findLast((e) => e.turnId === last.id && e.role === 'agent');
      if (entry) entry.interrupted = true;
    }
  }

  /** The client says how much of a turn it played: the transcript keeps just that. */
  private recordPlayback(turnId: number, playedMs: number): void {
    const entry = this.transcriptEntries.findLast((e) => e.turnId === turnId && e.role === 'agent');
    const reply = this.spokenReplies.get(turnId);
    if (!reply) return;
    reply.markPlayed(playedMs);
    if (!entry) return;
    entry.text = reply.spokenText();
    const latestAgentTurn = this.transcriptEntries.findLast((e) => e.role === 'agent');
    if (entry === latestAgentTurn) this.dialogue?.replyHeard?.(entry.text);
  }

  private reportError(error: unknown): void {
    if (this.state === 'closed' && !(error instanceof VisemoError && error.code === ErrorCode.SessionClosed))
      return;
    const known = error instanceof VisemoError;
    const code = known ? error.code : ErrorCode.Internal;
    const message = known ? error.message : 'internal error';
    try {
      this.transport.sendEvent({ type: 'error', code, message, fatal: false });
    } catch {
      // The transport is gone; nothing more can be told.
    }
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
