import type { ServerEvent } from '@visemo/server';
import type { FliteSynthesizer } from '@visemo/speech';
import { checkTurn, type FieldMismatch } from '../dialogue-tests/expectations.js';
import type { TurnObservation } from '../dialogue-tests/scripted-conversation.js';
import type { Expectation } from '../dialogue-tests/suite-schema.js';
import { RoomNoise, speakLine, trailingSilenceMs } from './caller-audio.js';
import { ProtocolCaller } from './protocol-caller.js';
import type { CallerSpec, CallerStep } from './script-schema.js';

/** How long a caller waits for the agent to answer a line before counting the turn lost. */
const TURN_DEADLINE_MS = 20_000;
/** Silence before the first line, as a microphone opens before anyone speaks. */
const OPENING_SILENCE_MS = 300;
/** A person's gap between hearing the answer end and replying. */
const REPLY_GAP_MS = 500;

/** What the caller experienced in one step. */
export interface SimulatedTurn {
  says: string;
  /** The server's turns for this line: more than one when it cut the caller off mid-sentence. */
  turnIds: number[];
  heard: string;
  understood: boolean;
  intent: string | null;
  reply: string;
  /**
   * From the caller's last sound to the first audio of the answer, ms (negative: the agent answered
   * before the caller had finished); absent without audio.
   */
  firstAudioMs?: number;
  /** Where the expectations apply: each one the turn did not meet (empty: as expected). */
  expected: boolean;
  mismatches: FieldMismatch[];
  /** Expectation fields the protocol does not show (flow, slots), left unchecked. */
  unchecked: string[];
  handoff: string | null;
  /** The line talked over the previous answer: whether the server stopped it. */
  bargeIn?: 'honoured' | 'ignored' | 'too late';
  /** Did the caller stop mid-sentence, and did the agent wait for the rest? */
  pause?: 'waited' | 'cut off';
  lost: boolean;
  errors: string[];
}

export interface SimulatedCaller {
  name: string;
  voice: string;
  snrDb?: number;
  turns: SimulatedTurn[];
  /** The caller could not run (no session), with why. */
  failure?: string;
  /** Every event the server sent, ms from the session's start, with `keepEvents`. */
  events?: { atMs: number; event: ServerEvent }[];
}

export interface CallerContext {
  wsUrl: string;
  token: (subject: string) => Promise<string | undefined>;
  synthesizer: FliteSynthesizer;
  seed: number;
  /** Keep every event of the call in the result (`--events`). */
  keepEvents?: boolean;
  onTurn: (caller: CallerSpec, turn: SimulatedTurn, index: number) => void;
}

/** Plays one caller's steps against the server, line by line, as a person on a microphone would. */
export async function runCaller(
  spec: CallerSpec,
  index: number,
  context: CallerContext,
): Promise<SimulatedCaller> {
  const voice = spec.voice ?? 'slt';
  const result: SimulatedCaller = {
    name: spec.name,
    voice,
    turns: [],
    ...(spec.snrDb === undefined ? {} : { snrDb: spec.snrDb }),
  };
  const noise = spec.snrDb === undefined ? undefined : new RoomNoise(spec.snrDb, context.seed + index);
  // Lines are synthesized before the call, so synthesis time does not hold up the conversation.
  const lines: Int16Array[] = [];
  for (const step of spec.steps)
    lines.push(await speakLine(context.synthesizer, step.says, voice, step.pause));
  if (noise && lines[0]) noise.calibrate({ samples: lines[0], sampleRate: 16000 });
  let caller: ProtocolCaller;
  try {
    caller = await ProtocolCaller.start(
      context.wsUrl,
      await context.token(`simulated-caller-${index + 1}`),
      voice,
      (frame) => (noise ? noise.mix(frame) : frame),
    );
  } catch (error) {
    result.failure = (error as Error).message;
    return result;
  }
  try {
    await caller.say(new Int16Array((OPENING_SILENCE_MS / 1000) * 16000));
    let previous: number | undefined;
    for (const [i, step] of spec.steps.entries()) {
      const turn = await playStep(caller, step, lines[i] as Int16Array, previous);
      result.turns.push(turn);
      context.onTurn(spec, turn, i);
      previous = turn.turnIds.at(-1);
      if (caller.closed) break;
    }
    if (previous !== undefined) await finishListening(caller, previous);
  } finally {
    await caller.end();
  }
  if (context.keepEvents) {
    const start = caller.events[0]?.at ?? 0;
    result.events = caller.events.map((e) => ({ atMs: Math.round(e.at - start), event: e.event }));
  }
  return result;
}

/** When the answer of `turnId` stops playing, counting from its first audio (performance.now()). */
function playbackEnd(caller: ProtocolCaller, turnId: number): number | undefined {
  const audio = caller.replyAudio.get(turnId);
  return audio && !Number.isNaN(audio.firstAt) ? audio.firstAt + audio.durationMs : undefined;
}

/** Listens to the answer of `turnId` to its end and tells the server it was played. */
async function finishListening(caller: ProtocolCaller, turnId: number): Promise<void> {
  await caller.until(() => caller.of('turn.end').some((e) => e.event.turnId === turnId), TURN_DEADLINE_MS);
  const end = playbackEnd(caller, turnId);
  if (end === undefined) return;
  await caller.until(() => performance.now() >= end, Math.max(0, end - performance.now()));
  caller.send({
    type: 'playback',
    turnId,
    playedMs: Math.round(caller.replyAudio.get(turnId)?.durationMs ?? 0),
  });
}

async function playStep(
  caller: ProtocolCaller,
  step: CallerStep,
  line: Int16Array,
  previous: number | undefined,
): Promise<SimulatedTurn> {
  let bargeIn: SimulatedTurn['bargeIn'];
  if (previous !== undefined && step.bargeInMs !== undefined) {
    // Talk over the answer: wait for its first audio, then for bargeInMs of it to play.
    await caller.until(() => playbackEnd(caller, previous) !== undefined, TURN_DEADLINE_MS);
    const first = caller.replyAudio.get(previous)?.firstAt ?? performance.now();
    const at = first + step.bargeInMs;
    await caller.until(() => performance.now() >= at, Math.max(0, at - performance.now()));
    bargeIn = (playbackEnd(caller, previous) ?? 0) > performance.now() + 200 ? 'ignored' : 'too late';
  } else if (previous !== undefined) {
    await finishListening(caller, previous);
    await caller.until(() => false, REPLY_GAP_MS);
  }
  const mark = caller.events.length;
  const saidAt = performance.now();
  // The caller stops speaking where the line's sound ends, before the synthesizer's closing pause.
  const speechEnd = (await caller.say(line)) - trailingSilenceMs(line);
  const finals = () => caller.of('transcript.final', mark).filter((e) => e.event.source === 'speech');
  const ended = (turnId: number) => caller.of('turn.end', mark).some((e) => e.event.turnId === turnId);
  // Done when the server has answered every turn it made of the line, and is not hearing more of it.
  const answered = await caller.until(
    () => {
      const turns = finals();
      if (turns.length === 0 || !turns.every((t) => ended(t.event.turnId))) return false;
      const vad = caller.of('vad', mark).at(-1);
      return vad?.event.state !== 'speech-start';
    },
    TURN_DEADLINE_MS + (speechEnd - saidAt),
  );

  if (bargeIn === 'ignored' && previous !== undefined) {
    const stop = caller.of('interrupted', mark).find((e) => e.event.turnId === previous);
    if (stop) {
      bargeIn = 'honoured';
      const audio = caller.replyAudio.get(previous);
      const played = audio ? Math.min(audio.durationMs, stop.at - audio.firstAt) : 0;
      caller.send({ type: 'playback', turnId: previous, playedMs: Math.max(0, Math.round(played)) });
    }
  }
  return observeTurn(caller, step, mark, speechEnd, answered, bargeIn);
}

function observeTurn(
  caller: ProtocolCaller,
  step: CallerStep,
  mark: number,
  speechEnd: number,
  answered: boolean,
  bargeIn: SimulatedTurn['bargeIn'],
): SimulatedTurn {
  const finals = caller.of('transcript.final', mark).filter((e) => e.event.source === 'speech');
  // Pieces of one stretch of speech may share a turn (and its id): count turns, not transcripts.
  const turnIds = [...new Set(finals.map((f) => f.event.turnId))];
  const last = turnIds.at(-1);
  const inTurn = <T extends { event: { turnId?: number } }>(list: T[]) =>
    list.filter((e) => e.event.turnId !== undefined && turnIds.includes(e.event.turnId));
  const lastFinal = finals.at(-1)?.event;
  const nlu = caller
    .of('nlu', mark)
    .filter((e) => e.event.turnId === last)
    .at(-1)?.event;
  const texts = caller.of('response.text', mark).filter((e) => e.event.turnId === last);
  const handoff = inTurn(caller.of('handoff', mark)).at(-1)?.event.reason ?? null;
  const firstAudio = turnIds
    .map((id) => caller.replyAudio.get(id)?.firstAt)
    .find((at): at is number => at !== undefined && !Number.isNaN(at));
  const observation: TurnObservation = {
    heard: lastFinal?.text ?? '',
    understood: lastFinal?.understood ?? false,
    intent: nlu?.intent ?? null,
    confidence: nlu?.confidence ?? 0,
    entities: nlu?.entities ?? [],
    reply: texts.map((t) => t.event.text).join(' '),
    answeredBy: texts[0]?.event.answeredBy ?? null,
    source: texts.find((t) => t.event.source)?.event.source ?? null,
    flow: null,
    slots: {},
    handoff,
    ended: caller.of('session.ended', mark).length > 0,
    errors: caller.of('error', mark).map((e) => `${e.event.code}: ${e.event.message}`),
    extraTurns: finals.slice(0, -1).map((f) => f.event.text),
  };
  const { flow, slots, ...checkable } = step.expect ?? ({} as Expectation);
  const mismatches = answered ? checkTurn(checkable, observation) : [];
  const turn: SimulatedTurn = {
    says: step.says,
    turnIds,
    heard: observation.heard,
    understood: observation.understood,
    intent: observation.intent,
    reply: observation.reply,
    expected: answered && mismatches.length === 0,
    mismatches,
    unchecked: [flow === undefined ? '' : 'flow', slots === undefined ? '' : 'slots'].filter(Boolean),
    handoff,
    lost: !answered,
    errors: observation.errors,
  };
  if (firstAudio !== undefined) turn.firstAudioMs = Math.round(firstAudio - speechEnd);
  if (bargeIn) turn.bargeIn = bargeIn;
  // Cut off: the server made two turns of the line, or answered before the caller had finished it.
  if (step.pause)
    turn.pause =
      turnIds.length > 1 || (turn.firstAudioMs !== undefined && turn.firstAudioMs < 0) ? 'cut off' : 'waited';
  return turn;
}
