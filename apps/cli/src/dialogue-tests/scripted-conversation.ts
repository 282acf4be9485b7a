import type { DialoguePolicy, DialogueReply, PcmAudio } from '@visemo/core';
import type { FlowProgress } from '@visemo/dialogue';
import { type AgentRuntime, ConversationSession, type ServerEvent, type TurnRecord } from '@visemo/server';

/** 20 ms, the frame a browser client sends. */
const FRAME_MS = 20;
/** Silence before each utterance, so the VAD has a floor to hear speech start against. */
const LEAD_SILENCE_MS = 300;
/** Silence offered after it, for the VAD to end the turn; push-to-talk release if it did not. */
const TRAIL_SILENCE_MS = 2000;

/** What one user turn came to, as the session and its dialogue reported it. */
export interface TurnObservation {
  /** The final transcript: the typed text, or what the recognizer heard ('' when not understood). */
  heard: string;
  understood: boolean;
  intent: string | null;
  confidence: number;
  entities: { entity: string; value: string }[];
  reply: string;
  answeredBy: string | null;
  source: string | null;
  /** The flow the turn worked on, as the dialogue reported it; null when none was involved. */
  flow: FlowProgress | null;
  slots: Readonly<Record<string, string>>;
  handoff: string | null;
  ended: boolean;
  /** `error` events of the turn, as `code: message`. */
  errors: string[];
  /** A spoken line the listening stage cut into more than one turn: the other transcripts. */
  extraTurns: string[];
}

/**
 * One conversation with an agent through a real ConversationSession — the session the WebSocket
 * server runs — fed typed `text` frames or 20 ms PCM16 binary frames, one turn at a time.
 */
export class ScriptedConversation {
  private readonly session: ConversationSession;
  private readonly events: ServerEvent[] = [];
  private readonly records: TurnRecord[] = [];
  private readonly replies: DialogueReply[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;
  private sampleRate = 16000;

  constructor(runtime: AgentRuntime) {
    const observed: AgentRuntime = {
      ...runtime,
      createDialogue: (context, choice) =>
        observeReplies(runtime.createDialogue(context, choice), (reply) => this.replies.push(reply)),
    };
    this.session = new ConversationSession(
      observed,
      {
        sendEvent: (event) => {
          this.events.push(event);
          this.wake();
        },
        sendAudio: () => {},
        close: () => {
          this.closed = true;
          this.wake();
        },
      },
      {
        onTurn: (record) => {
          this.records.push(record);
          this.wake();
        },
      },
    );
  }

  /** Whether the agent ended the conversation. */
  get ended(): boolean {
    return this.closed || this.events.some((e) => e.type === 'session.ended');
  }

  /** Opens the session without a greeting and without reply audio; `sampleRate` of spoken input. */
  async start(sampleRate = 16000): Promise<void> {
    this.sampleRate = sampleRate;
    const start = { type: 'session.start', protocol: 1, audio: false, greet: false, sampleRate };
    this.session.handleText(JSON.stringify(start));
    await this.until(() => this.events.some((e) => e.type === 'session.started' || e.type === 'error'));
    const failed = this.events.find((e) => e.type === 'error');
    if (failed?.type === 'error')
      throw new Error(`the session did not start: ${failed.code}: ${failed.message}`);
    this.events.splice(0);
  }

  async type(text: string): Promise<TurnObservation> {
    this.session.handleText(JSON.stringify({ type: 'text', text }));
    return this.nextTurn(1);
  }

  /**
   * Says `audio` into the session: lead silence, the speech, then silence until the VAD ends the
   * turn (or a push-to-talk release after TRAIL_SILENCE_MS), in 20 ms frames as fast as they decode.
   */
  async speak(audio: PcmAudio): Promise<TurnObservation> {
    if (audio.sampleRate !== this.sampleRate) {
      throw new Error(`the session takes ${this.sampleRate} Hz audio, not ${audio.sampleRate} Hz`);
    }
    const frame = Math.round((this.sampleRate * FRAME_MS) / 1000);
    const silence = (ms: number) => new Int16Array(Math.round((this.sampleRate * ms) / 1000));
    const send = (samples: Int16Array) => {
      for (let at = 0; at < samples.length; at += frame) {
        this.session.handleBinary(new Uint8Array(samples.slice(at, at + frame).buffer));
      }
    };
    const ends = () => this.events.filter((e) => e.type === 'vad' && e.state === 'speech-end').length;
    send(silence(LEAD_SILENCE_MS));
    send(audio.samples);
    const tail = silence(TRAIL_SILENCE_MS);
    let at = 0;
    while (ends() === 0 && at < tail.length) {
      send(tail.subarray(at, at + frame));
      at += frame;
    }
    if (ends() === 0) this.session.handleText(JSON.stringify({ type: 'audio.commit' }));
    return this.nextTurn(Math.max(1, ends()));
  }

  close(): void {
    this.session.close('client');
  }

  /** Waits for `turns` turns to end and folds them into one observation (the first is the answer). */
  private async nextTurn(turns: number): Promise<TurnObservation> {
    // An error before any transcript (a refused frame) means no turn is coming.
    const refused = () =>
      this.events.some((e) => e.type === 'error') && !this.events.some((e) => e.type === 'transcript.final');
    await this.until(() => this.records.length >= turns || this.closed || refused());
    const records = this.records.splice(0);
    const events = this.events.splice(0);
    const replies = this.replies.splice(0);
    const record = records[0];
    const reply = replies[0] as
      | (DialogueReply & { flow?: FlowProgress; agentReply?: { flow?: FlowProgress } })
      | undefined;
    return {
      heard: record?.user?.text ?? '',
      understood: record?.user?.understood ?? false,
      intent: record?.nlu?.intent ?? null,
      confidence: record?.nlu?.confidence ?? 0,
      entities: (record?.nlu?.entities ?? []).map(({ entity, value }) => ({ entity, value })),
      reply: record?.fullReplyText ?? '',
      answeredBy: record?.answeredBy ?? null,
      source: record?.source ?? null,
      flow: reply?.flow ?? reply?.agentReply?.flow ?? null,
      slots: record?.slots ?? {},
      handoff: record?.handoff ?? null,
      ended: this.ended,
      errors: events.flatMap((e) => (e.type === 'error' ? [`${e.code}: ${e.message}`] : [])),
      extraTurns: records.slice(1).map((r) => r.user?.text ?? ''),
    };
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = null;
    }
  }

  private wake(): void {
    this.waiter?.();
  }
}

/**
 * The dialogue as the session gets it, with each reply handed to `seen` as well: the flow a turn
 * worked on is in the reply (`AgentReply.flow`), not in the protocol events.
 */
function observeReplies(dialogue: DialoguePolicy, seen: (reply: DialogueReply) => void): DialoguePolicy {
  const observed: DialoguePolicy = {
    get slots() {
      return dialogue.slots;
    },
    greeting: () => dialogue.greeting(),
    respond: (nlu, options) => {
      const reply = dialogue.respond(nlu, options);
      if (reply instanceof Promise) {
        return reply.then((r) => {
          seen(r);
          return r;
        });
      }
      seen(reply);
      return reply;
    },
  };
  if (dialogue.replyHeard) observed.replyHeard = (text) => dialogue.replyHeard?.(text);
  return observed;
}
