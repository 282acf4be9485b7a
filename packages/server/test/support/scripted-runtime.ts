import {
  type DialogueEvent,
  type DialoguePolicy,
  type DialogueReply,
  type NluResult,
  type RecognitionStream,
  type SpeechRecognizer,
  type SpeechSynthesizer,
  type VadEvent,
  VisemoError,
  type VoiceActivityDetector,
} from '@visemo/core';
import { vi } from 'vitest';
import type { ServerEvent } from '../../src/protocol/server-events.js';
import type { AgentRuntime } from '../../src/runtime.js';
import type { SessionTransport } from '../../src/session/conversation-session.js';
import { turnContext } from '../../src/session/turn-context.js';

/**
 * A whole agent made of scripted parts, for tests of the session itself: no speech stack, every
 * decision visible. Audio is "speech" when its samples are loud (see `loud`), the recognizer hears
 * the text the test queued for the next utterance, and each hop spends a fixed time on the clock
 * when the test fakes `performance` (the session's clock), so latencies come out exact.
 */

export const FRAME_SAMPLES = 320; // 20 ms at 16 kHz
/** Time each hop spends on a faked clock, in ms. */
export const HOP_MS = { asr: 10, nlu: 2, dialogue: 5, tts: 30 };
/** Spoken length of one word of synthesized audio. */
export const WORD_MS = 100;

function spend(ms: number): void {
  if (vi.isFakeTimers()) vi.advanceTimersByTime(ms);
}

/** `ms` of audio at 16 kHz, loud (speech to the scripted VAD) or quiet. */
export function audio(ms: number, loud: boolean): Int16Array {
  return new Int16Array((ms / 1000) * 16000).fill(loud ? 5000 : 10);
}

/** Speech for the scripted VAD: loud frames; below 1000 it hears silence. */
export class ScriptedVad implements VoiceActivityDetector {
  readonly name = 'scripted-vad';
  speaking = false;
  /** Every setHangover call, in order. */
  readonly hangovers: (number | null)[] = [];
  private fedSamples = 0;
  private silentMs = 0;
  private hangoverMs: number | null = null;

  constructor(private readonly ownHangoverMs = 200) {}

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
      const frame = samples.subarray(at, at + FRAME_SAMPLES);
      const loud = frame.some((s) => Math.abs(s) >= 1000);
      this.fedSamples += frame.length;
      const atMs = (this.fedSamples / 16000) * 1000;
      if (loud) {
        this.silentMs = 0;
        if (!this.speaking) {
          this.speaking = true;
          events.push({ type: 'speech-start', atMs });
        }
      } else if (this.speaking) {
        this.silentMs += (frame.length / 16000) * 1000;
        if (this.silentMs >= (this.hangoverMs ?? this.ownHangoverMs)) {
          this.speaking = false;
          this.silentMs = 0;
          events.push({ type: 'speech-end', atMs });
        }
      }
    }
    return events;
  }

  setHangover(ms: number | null): void {
    this.hangovers.push(ms);
    this.hangoverMs = ms;
  }

  reset(): void {
    this.speaking = false;
    this.silentMs = 0;
  }
}

interface ScriptedUtterance {
  text: string;
  /** finish() rejects with a provider timeout. */
  fail?: boolean;
}

/** A stream the scripted recognizer opened, for tests to look into. */
export interface ScriptedStream extends RecognitionStream {
  readonly writtenSamples: number;
  readonly cancelled: boolean;
  readonly finished: boolean;
}

/**
 * Hears the utterances queued with `expect`, one per stream: one more word of it per 100 ms of
 * loud audio written, complete once every word is heard. An unscripted utterance is not understood.
 */
export class ScriptedRecognizer implements SpeechRecognizer {
  readonly name = 'scripted-asr';
  readonly sampleRate = 16000;
  readonly streams: ScriptedStream[] = [];
  private readonly queue: ScriptedUtterance[] = [];

  expect(text: string, options: { fail?: boolean } = {}): void {
    this.queue.push({ text, ...options });
  }

  start(): RecognitionStream {
    const script = this.queue.shift() ?? { text: '' };
    const words = script.text.split(' ').filter(Boolean);
    let written = 0;
    let loudSamples = 0;
    let cancelled = false;
    let finished = false;
    const heard = () => words.slice(0, Math.floor(loudSamples / 1600));
    const stream: ScriptedStream = {
      get writtenSamples() {
        return written;
      },
      get cancelled() {
        return cancelled;
      },
      get finished() {
        return finished;
      },
      write(samples) {
        written += samples.length;
        loudSamples += samples.filter((s) => Math.abs(s) >= 1000).length;
      },
      partial: () => heard().join(' '),
      complete: () => words.length > 0 && heard().length >= words.length,
      async finish() {
        finished = true;
        spend(HOP_MS.asr);
        if (script.fail)
          throw new VisemoError('provider_timeout', 'scripted-asr did not answer within 5000 ms');
        const text = script.text;
        return { text, confidence: text ? 0.8125 : 0.1, understood: text !== '' };
      },
      cancel() {
        cancelled = true;
      },
    };
    this.streams.push(stream);
    return stream;
  }
}

/**
 * Speaks each word in 100 ms and gives each word its timing. `hold()` keeps the next synthesis
 * waiting (for a turn to be interrupted while it is produced); text with "unspeakable" fails; text
 * with "backup" is served after a reported fallback.
 */
export class ScriptedSynthesizer implements SpeechSynthesizer {
  readonly name = 'scripted-tts';
  readonly voices = ['low', 'high'];
  readonly requests: { text: string; voice?: string; leading?: boolean }[] = [];
  private gate: Promise<void> | null = null;

  /** Keeps the next synthesis waiting until the returned function is called (or the turn aborts). */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return release;
  }

  async synthesize(request: { text: string; voice?: string; signal?: AbortSignal; leading?: boolean }) {
    this.requests.push({ text: request.text, voice: request.voice, leading: request.leading });
    const gate = this.gate;
    this.gate = null;
    if (gate) {
      await new Promise<void>((resolve, reject) => {
        gate.then(resolve);
        request.signal?.addEventListener('abort', () => reject(request.signal?.reason), { once: true });
      });
    }
    spend(HOP_MS.tts);
    if (request.text.includes('unspeakable')) throw new Error('the scripted voice cannot say it');
    if (request.text.includes('backup'))
      turnContext
        .getStore()
        ?.notify({ event: 'provider-fallback', kind: 'tts', from: 'primary', to: 'backup' });
    const words = request.text.split(' ');
    const samples = new Int16Array(((words.length * WORD_MS) / 1000) * 16000);
    return {
      audio: { samples, sampleRate: 16000 },
      visemes: words.map((_, i) => ({
        viseme: 'aa' as const,
        startMs: i * WORD_MS,
        endMs: (i + 1) * WORD_MS,
      })),
      words: words.map((word, i) => ({ word, startMs: i * WORD_MS, endMs: (i + 1) * WORD_MS })),
    };
  }
}

const INTENTS: [RegExp, string][] = [
  [/hours|open/, 'opening_hours'],
  [/order/, 'order_status'],
  [/human/, 'talk_to_human'],
  [/bye/, 'goodbye'],
  [/crash/, 'crash'],
  [/mumble/, 'unspeakable'],
  [/refund/, 'refund'],
  [/backup/, 'backup'],
  [/late/, 'late_parcel'],
];

function classify(text: string): NluResult {
  spend(HOP_MS.nlu);
  const intent = INTENTS.find(([pattern]) => pattern.test(text))?.[1] ?? null;
  const digits = /\d+/.exec(text);
  return {
    text,
    intent,
    confidence: intent ? 0.91234 : 0.2,
    ranking: intent
      ? [
          { intent, confidence: 0.91234 },
          { intent: 'other', confidence: 0.05 },
          { intent: 'third', confidence: 0.02 },
          { intent: 'fourth', confidence: 0.01 },
        ]
      : [],
    entities: digits
      ? [{ entity: 'order_number', value: digits[0], text: digits[0], start: digits.index, end: 0 }]
      : [],
  };
}

function reply(answeredBy: DialogueReply['answeredBy'], events: DialogueEvent[], source?: string) {
  const out: DialogueReply = {
    answeredBy,
    events: (async function* () {
      yield* events;
    })(),
  };
  if (source !== undefined) out.source = source;
  return out;
}

const text = (t: string): DialogueEvent => ({ type: 'text', text: t });

/** The dialogue of one scripted session; `heard` keeps its replyHeard calls. */
export class ScriptedDialogue implements DialoguePolicy {
  readonly heard: string[] = [];

  greeting(): DialogueReply {
    return reply('greeting', [text('Hello there. How can I help?')]);
  }

  async respond(nlu: NluResult): Promise<DialogueReply> {
    spend(HOP_MS.dialogue);
    switch (nlu.intent) {
      case 'opening_hours':
        return reply('intent', [
          { type: 'expression', expression: 'happy', intensity: 0.6 },
          text('We open at nine in the morning. '),
          text('We close at five.'),
        ]);
      case 'order_status':
        return reply('flow', [text(`Order ${nlu.entities[0]?.value ?? 'unknown'} is on its way.`)]);
      case 'talk_to_human':
        return reply('intent', [
          text('Connecting you now.'),
          { type: 'handoff', reason: 'asked for a human' },
        ]);
      case 'goodbye':
        return reply('intent', [
          { type: 'expression', expression: 'sad' },
          text('Goodbye.'),
          { type: 'end' },
        ]);
      case 'crash':
        throw new TypeError('scripted dialogue bug');
      case 'unspeakable':
        return reply('intent', [text('This is unspeakable. But this is fine.')]);
      case 'refund':
        return reply('knowledge', [text('Refunds take five days.')], 'knowledge/returns.md#Refunds');
      case 'backup':
        return reply('llm', [text('Served by the backup voice.')]);
      case 'late_parcel':
        return reply('intent', [text('[concerned] I am sorry it is late. [happy] It arrives today.')]);
      default:
        return reply('fallback', [text('Sorry, could you say that again?')]);
    }
  }

  replyHeard(heard: string): void {
    this.heard.push(heard);
  }
}

async function* sentences(deltas: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const delta of deltas) {
    buffer += delta;
    for (let m = /[.!?](\s+|$)/.exec(buffer); m; m = /[.!?](\s+|$)/.exec(buffer)) {
      const end = m.index + m[0].length;
      yield buffer.slice(0, end).trim();
      buffer = buffer.slice(end);
    }
  }
  if (buffer.trim()) yield buffer.trim();
}

export interface ScriptedAgent {
  runtime: AgentRuntime;
  vad: ScriptedVad;
  recognizer: ScriptedRecognizer;
  synthesizer: ScriptedSynthesizer;
  /** The dialogues made so far, one per started session. */
  dialogues: ScriptedDialogue[];
}

export function scriptedAgent(
  options: { speech?: boolean; afterPhraseMs?: number; vadAsync?: 'ready' | 'failing' } = {},
): ScriptedAgent {
  const vad = new ScriptedVad();
  const recognizer = new ScriptedRecognizer();
  const synthesizer = new ScriptedSynthesizer();
  const dialogues: ScriptedDialogue[] = [];
  const runtime: AgentRuntime = {
    persona: { name: 'Scripted', language: 'en-GB', voice: 'low' },
    nlu: { classify },
    recognizer: options.speech === false ? null : recognizer,
    synthesizer,
    // The scripted dialogue answers "backup" as if it were this model; it is never called.
    llm: {
      name: 'scripted-llm',
      stream: async function* () {
        yield { type: 'finish' as const, reason: 'stop' as const };
      },
    },
    timeouts: { asrMs: 5000, dialogueMs: 5000, ttsMs: 5000 },
    ...(options.afterPhraseMs !== undefined ? { afterPhraseMs: options.afterPhraseMs } : {}),
    createVad: () => {
      if (options.vadAsync === 'ready') return Promise.resolve(vad);
      if (options.vadAsync === 'failing')
        return Promise.reject(new VisemoError('provider_failed', 'the VAD model did not load'));
      return vad;
    },
    createDialogue: () => {
      const dialogue = new ScriptedDialogue();
      dialogues.push(dialogue);
      return dialogue;
    },
    chunkSentences: sentences,
  };
  return { runtime, vad, recognizer, synthesizer, dialogues };
}

/**
 * A transport that writes everything a session sends into one log, binary frames included, as
 * short lines a test compares whole: `event` fields that matter, in order.
 */
export class RecordingTransport implements SessionTransport {
  readonly events: ServerEvent[] = [];
  readonly log: string[] = [];
  closed = false;

  sendEvent(event: ServerEvent): void {
    this.events.push(event);
    this.log.push(describe(event));
  }

  sendAudio(samples: Int16Array): void {
    this.log.push(`binary ${samples.length}`);
  }

  close(): void {
    this.closed = true;
    this.log.push('(transport closed)');
  }

  /** The log from `mark` on. */
  since(mark: number): string[] {
    return this.log.slice(mark);
  }

  of<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);
  }
}

function describe(e: ServerEvent): string {
  switch (e.type) {
    case 'session.started':
      return `session.started ${e.agent.name} ${e.audio.sampleRate}`;
    case 'vad':
      return `vad ${e.state} ${e.atMs}`;
    case 'transcript.partial':
      return `partial ${e.turnId} "${e.text}"${e.speaker ? ` [${e.speaker.id} ${e.speaker.name}]` : ''}`;
    case 'transcript.final':
      return `final ${e.turnId} "${e.text}" ${e.confidence} ${e.understood ? 'understood' : 'not-understood'} ${e.source}${e.speaker ? ` [${e.speaker.id} ${e.speaker.name}]` : ''}`;
    case 'nlu':
      return `nlu ${e.turnId} ${e.intent} ${e.confidence} [${e.entities.map((x) => `${x.entity}=${x.value}`).join(',')}] ranks=${e.ranking.length}`;
    case 'response.text':
      return `text ${e.turnId} "${e.text}" ${e.answeredBy}${e.source ? ` ${e.source}` : ''}`;
    case 'expression':
      return `expression ${e.turnId} ${e.expression} ${e.intensity}`;
    case 'audio.chunk':
      return `audio ${e.turnId}#${e.seq} ${e.durationMs}ms words=${e.words.length} "${e.text}"`;
    case 'provider':
      return `provider ${e.turnId} ${e.event} ${e.from}->${e.to}`;
    case 'interrupted':
      return `interrupted ${e.turnId} ${e.reason}`;
    case 'playback.duck':
      return `duck ${e.turnId} ${e.gain}`;
    case 'handoff':
      return `handoff ${e.turnId} ${e.reason}`;
    case 'turn.end':
      return `turn.end ${e.turnId}${e.interrupted ? ' interrupted' : ''} "${e.spokenText}" ${JSON.stringify(e.latency)}`;
    case 'transcript':
      return `transcript ${JSON.stringify(e.entries)}`;
    case 'error':
      return `error ${e.code} ${e.message}${e.fatal ? ' fatal' : ''}`;
    case 'session.ended':
      return `session.ended ${e.reason}`;
    case 'consent':
      return `consent transcripts=${e.transcripts} audio=${e.audio} memory=${e.memory}`;
    case 'feedback':
      return `feedback ${e.turnId} ${e.rating}`;
    case 'heartbeat':
      return 'heartbeat';
    case 'participant.joined':
      return `joined ${e.participant.id} ${e.participant.name}`;
    case 'participant.left':
      return `left ${e.participant.id} ${e.reason}`;
  }
}

/** Lets every pending promise and timer callback of the session run, as between two socket messages. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
