import {
  type AnsweredBy,
  type DialogueEvent,
  type DialoguePolicy,
  type DialogueReply,
  type Expression,
  type FlowStep,
  type NluResult,
  type SynthesisResult,
  type TurnSpeaker,
  VisemoError,
  withDeadline,
} from '@visemo/core';
import { readExpressionTags } from '@visemo/dialogue';
import type { AgentRuntime } from '../runtime.js';

/** How strongly a face tagged in the reply's text shows. */
const TAGGED_INTENSITY = 0.8;

/*
 * The second half of the pipeline, after listening-stage.ts (audio → VAD → ASR → end of turn):
 * the person's words → NLU → dialogue → sentence chunker → TTS, as a stream of turn frames.
 */

/** What a turn produces, in the order the client should receive it. */
export type TurnFrame =
  | { type: 'nlu'; result: NluResult }
  | { type: 'reply'; answeredBy: AnsweredBy; source?: string; flow?: FlowStep }
  | { type: 'text'; text: string }
  | { type: 'expression'; expression: Expression; intensity: number }
  | { type: 'audio'; text: string; voice?: string; synthesis: SynthesisResult }
  /** Speech synthesis failed for a sentence: its text still goes out as a caption. */
  | { type: 'tts-failed'; text: string; error: VisemoError }
  | { type: 'handoff'; reason: string }
  | { type: 'end-session' };

export interface TurnOptions {
  runtime: AgentRuntime;
  dialogue: DialoguePolicy;
  /** False in text-only sessions: no synthesis at all. */
  speak: boolean;
  voice: string;
  signal: AbortSignal;
  /** Who said the turn: a participant among several, or a voice told apart on one microphone. */
  speaker?: TurnSpeaker;
  /** A name the reply's first sentence opens with: the person answered, among several. */
  address?: string;
}

/** A user turn: understand the text, then answer it. */
export async function* runUserTurn(text: string, options: TurnOptions): AsyncGenerator<TurnFrame> {
  const result = options.runtime.nlu.classify(text);
  yield { type: 'nlu', result };
  const reply = await withDeadline(
    'dialogue',
    options.runtime.timeouts.dialogueMs,
    options.signal,
    async () =>
      options.dialogue.respond(result, {
        signal: options.signal,
        ...(options.speaker ? { speaker: options.speaker } : {}),
      }),
  );
  yield* speakReply(reply, options);
}

/** The agent's opening turn. */
export async function* runGreetingTurn(options: TurnOptions): AsyncGenerator<TurnFrame> {
  yield* speakReply(options.dialogue.greeting(), options);
}

/**
 * Streams a reply: its text is cut into sentences as it arrives, and each sentence is synthesized
 * as soon as it is complete, so the first audio leaves after the first sentence, not the whole reply.
 */
export async function* speakReply(reply: DialogueReply, options: TurnOptions): AsyncGenerator<TurnFrame> {
  const reply_: TurnFrame = { type: 'reply', answeredBy: reply.answeredBy };
  if (reply.source !== undefined) reply_.source = reply.source;
  if (reply.flow) reply_.flow = reply.flow;
  yield reply_;

  const side: TurnFrame[] = [];
  const texts = textOf(reply.events, side);
  let leading = true;
  for await (const tagged of options.runtime.chunkSentences(texts)) {
    if (options.signal.aborted) return;
    yield* side.splice(0);
    // "[concerned] I'm sorry it is late.": the face changes with the sentence; the tag is not said.
    const { text: sentence, expression } = readExpressionTags(tagged);
    if (expression) yield { type: 'expression', expression, intensity: TAGGED_INTENSITY };
    if (!sentence) continue;
    const said = leading && options.address ? addressed(sentence, options.address) : sentence;
    yield { type: 'text', text: said };
    if (options.speak) yield await synthesizeSentence(said, leading, options);
    leading = false;
  }
  yield* side.splice(0);
}

/**
 * The first sentence of a reply to one of several people, opening with their name: "Sure, it
 * ships today." to Ana is "Ana, sure, it ships today." A reply that names them already is left.
 */
export function addressed(sentence: string, name: string): string {
  if (sentence.toLowerCase().includes(name.toLowerCase())) return sentence;
  const first = sentence.split(/\s/, 1)[0] ?? '';
  // "I" and "I'm" keep their capital; so does a word in capitals or a name ("Visemo", "OK").
  const keep = /^I\b/.test(first) || first.slice(1) !== first.slice(1).toLowerCase() || sentence.length === 0;
  const rest = keep ? sentence : sentence.charAt(0).toLowerCase() + sentence.slice(1);
  return `${name}, ${rest}`;
}

async function* textOf(events: AsyncIterable<DialogueEvent>, side: TurnFrame[]): AsyncGenerator<string> {
  for await (const event of events) {
    switch (event.type) {
      case 'text':
        yield event.text;
        break;
      case 'expression':
        side.push({ type: 'expression', expression: event.expression, intensity: event.intensity ?? 0.8 });
        break;
      case 'handoff':
        side.push({ type: 'handoff', reason: event.reason });
        break;
      case 'end':
        side.push({ type: 'end-session' });
        break;
    }
  }
}

async function synthesizeSentence(text: string, leading: boolean, options: TurnOptions): Promise<TurnFrame> {
  const { synthesizer, timeouts } = options.runtime;
  try {
    const synthesis = await withDeadline(synthesizer.name, timeouts.ttsMs, options.signal, (signal) =>
      synthesizer.synthesize({ text, voice: options.voice, signal, leading }),
    );
    return { type: 'audio', text, voice: options.voice, synthesis };
  } catch (error) {
    if (options.signal.aborted) throw error;
    const failure =
      error instanceof VisemoError
        ? error
        : new VisemoError('provider_failed', `${synthesizer.name}: ${(error as Error).message}`, {
            cause: error,
          });
    return { type: 'tts-failed', text, error: failure };
  }
}
