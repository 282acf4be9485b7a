import {
  ErrorCode,
  type IntentClassifier,
  type OutcomeDifference,
  type Transcript,
  type TurnOutcome,
  type TurnReplay,
  VisemoError,
} from '@visemo/core';
import type { StoredTurn, TurnEntity } from '@visemo/storage';
import type { AgentRuntime } from '../runtime.js';
import { RANKED_INTENTS } from '../session/turn.js';
import { runGreetingTurn, runUserTurn, type TurnFrame } from '../session/turn-pipeline.js';

export interface ReplayInput {
  /** `text`: the stored words; `audio`: the stored utterance through the recognizer. */
  from: 'text' | 'audio';
  /** The utterance (16 kHz PCM16), for `audio`. */
  audio?: Int16Array;
}

export interface ReplayResult {
  from: 'text' | 'audio';
  outcome: TurnOutcome;
  latency: TurnReplay['latency'];
}

/** A replay brings the dialogue to the turn through at most this many earlier turns. */
export const MAX_EARLIER_TURNS = 200;

/**
 * Runs one stored turn again against the agent as it is now, storing nothing: a fresh dialogue is
 * brought to where the conversation stood by the person's earlier words (so a flow asking for a
 * slot asks again), then the turn's words, or its utterance through the recognizer, go through
 * NLU and dialogue. No speech is synthesized.
 */
export async function replayTurn(
  runtime: AgentRuntime,
  nlu: IntentClassifier,
  turns: readonly StoredTurn[],
  turnIndex: number,
  input: ReplayInput,
): Promise<ReplayResult> {
  const at = turns.findIndex((t) => t.turnIndex === turnIndex);
  const turn = turns[at];
  if (!turn) throw new VisemoError(ErrorCode.UnknownTurn, `the session has no turn ${turnIndex}`);
  const earlier = turns.slice(0, at).filter((t) => t.inputSource !== null);
  if (earlier.some((t) => t.userText === null && !t.asrRejected)) {
    throw new VisemoError(
      ErrorCode.BadMessage,
      'an earlier turn’s words are no longer kept, so the conversation cannot be brought to this turn',
    );
  }
  if (earlier.length > MAX_EARLIER_TURNS) {
    throw new VisemoError(
      ErrorCode.BadMessage,
      `a replay goes through at most ${MAX_EARLIER_TURNS} earlier turns`,
    );
  }
  const dialogue = runtime.createDialogue();
  const runtimeNow: AgentRuntime = { ...runtime, nlu };
  const signal = new AbortController().signal;
  const options = { runtime: runtimeNow, dialogue, speak: false, voice: runtime.persona.voice, signal };
  if (turn.inputSource === null) {
    return { from: 'text', outcome: await outcomeOf(null, runGreetingTurn(options)), latency: {} };
  }
  // A greeting may move a dialogue on (a welcome back): when the session had one, so does the replay.
  if (turns.slice(0, at).some((t) => t.inputSource === null)) await drain(runGreetingTurn(options));
  for (const before of earlier) {
    // What the dialogue was given then: nothing for speech the recognizer could not match, and
    // of a reply cut by a barge-in, what was heard of it.
    await drain(runUserTurn(before.asrRejected ? '' : (before.userText as string), options));
    if (before.interrupted && before.replyText !== null) dialogue.replyHeard?.(before.replyText);
  }

  const latency: ReplayResult['latency'] = {};
  let userText: string;
  let asr: TurnOutcome['asr'];
  if (input.from === 'audio') {
    if (!input.audio) throw new VisemoError(ErrorCode.BadMessage, 'no recording of this turn is stored');
    const started = performance.now();
    const transcript = await recognize(runtime, input.audio);
    latency.asrMs = round(performance.now() - started);
    userText = transcript.text;
    asr = { confidence: transcript.confidence, understood: transcript.understood };
  } else {
    if (turn.userText === null)
      throw new VisemoError(ErrorCode.BadMessage, 'the turn’s words are no longer kept');
    userText = turn.userText;
  }
  // As in a session: speech that was not understood goes to the dialogue as nothing heard.
  const heard = asr && !asr.understood ? '' : userText;
  const outcome = await outcomeOf(userText, runUserTurn(heard, options), latency);
  if (asr) outcome.asr = asr;
  return { from: input.from, outcome, latency };
}

/** The turn as it was recorded, in the same shape. */
export function recordedOutcome(turn: StoredTurn): TurnOutcome {
  const outcome: TurnOutcome = {
    userText: turn.userText,
    intent: turn.intent,
    confidence: turn.confidence,
    ranking: turn.details?.ranking ?? [],
    entities: turn.entities ?? [],
    answeredBy: turn.answeredBy,
    flow: turn.details?.flow ?? null,
    source: turn.answerSource,
    replyText: turn.replyText,
  };
  if (turn.details?.asr) outcome.asr = turn.details.asr;
  return outcome;
}

/**
 * Where the replay differs from the record. A confidence within half a percent is the same; a
 * recorded reply cut short by a barge-in is compared as far as it was heard.
 */
export function outcomeDifferences(
  recorded: TurnOutcome,
  replayed: TurnOutcome,
  options: { interrupted?: boolean; compareWords?: boolean } = {},
): OutcomeDifference[] {
  const differences: OutcomeDifference[] = [];
  const differ = (field: OutcomeDifference['field'], a: unknown, b: unknown) => {
    if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null))
      differences.push({ field, recorded: a ?? null, replayed: b ?? null });
  };
  if (options.compareWords) differ('userText', norm(recorded.userText), norm(replayed.userText));
  differ('intent', recorded.intent, replayed.intent);
  if (Math.abs((recorded.confidence ?? 0) - (replayed.confidence ?? 0)) > 0.005)
    differences.push({ field: 'confidence', recorded: recorded.confidence, replayed: replayed.confidence });
  differ('entities', sortedEntities(recorded.entities), sortedEntities(replayed.entities));
  differ('answeredBy', recorded.answeredBy, replayed.answeredBy);
  differ('flow', recorded.flow, replayed.flow);
  differ('source', recorded.source, replayed.source);
  const replyRecorded = recorded.replyText;
  const replyReplayed = replayed.replyText;
  const heardPart =
    options.interrupted && replyRecorded !== null && replyReplayed?.startsWith(replyRecorded.trim());
  if (!heardPart) differ('replyText', replyRecorded, replyReplayed);
  return differences;
}

async function outcomeOf(
  userText: string | null,
  frames: AsyncGenerator<TurnFrame>,
  latency: ReplayResult['latency'] = {},
): Promise<TurnOutcome> {
  const outcome: TurnOutcome = {
    userText,
    intent: null,
    confidence: null,
    ranking: [],
    entities: [],
    answeredBy: null,
    flow: null,
    source: null,
    replyText: null,
  };
  const started = performance.now();
  let understoodAt = started;
  const sentences: string[] = [];
  for await (const frame of frames) {
    if (frame.type === 'nlu') {
      understoodAt = performance.now();
      latency.nluMs = round(understoodAt - started);
      const { result } = frame;
      outcome.intent = result.intent;
      outcome.confidence = round(result.confidence, 3);
      outcome.ranking = result.ranking
        .slice(0, RANKED_INTENTS)
        .map((r) => ({ intent: r.intent, confidence: round(r.confidence, 3) }));
      outcome.entities = result.entities.map(({ entity, value, text }) => ({ entity, value, text }));
    } else if (frame.type === 'reply') {
      outcome.answeredBy = frame.answeredBy;
      outcome.source = frame.source ?? null;
      outcome.flow = frame.flow ? { ...frame.flow } : null;
    } else if (frame.type === 'text') {
      if (sentences.length === 0 && userText !== null)
        latency.dialogueMs = round(performance.now() - understoodAt);
      sentences.push(frame.text);
    }
  }
  outcome.replyText = sentences.join(' ');
  return outcome;
}

async function drain(frames: AsyncGenerator<TurnFrame>): Promise<void> {
  for await (const _ of frames);
}

/** The utterance through the agent's recognizer, in the 100 ms pieces a session feeds it. */
async function recognize(runtime: AgentRuntime, audio: Int16Array): Promise<Transcript> {
  const { recognizer } = runtime;
  if (!recognizer) throw new VisemoError(ErrorCode.BadMessage, 'this agent has no speech recognizer');
  // No speaker: each replay starts from the recognizer's own defaults, not from what it adapted to
  // in earlier replays (or in the live session's earlier utterances).
  const stream = recognizer.start();
  const piece = recognizer.sampleRate / 10;
  for (let i = 0; i < audio.length; i += piece) stream.write(audio.subarray(i, i + piece));
  return stream.finish();
}

function sortedEntities(entities: readonly TurnEntity[]): string[] {
  return entities.map((e) => `${e.entity}=${e.value}`).sort();
}

function norm(text: string | null): string | null {
  return text === null ? null : text.trim().toLowerCase().replace(/\s+/g, ' ');
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
