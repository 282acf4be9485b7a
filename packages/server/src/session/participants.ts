import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, type Speaker, VisemoError } from '@visemo/core';
import type { ServerEvent } from '../protocol/server-events.js';
import type { EchoAwareBargeIn } from './echo-aware-barge-in.js';
import type { ListeningStage } from './listening-stage.js';
import { MissedSpeech } from './missed-speech.js';
import type { UtteranceSpeakers } from './utterance-speakers.js';

/** Where a participant's events go: its own WebSocket (the session's `SessionTransport`). */
export interface ParticipantTransport {
  sendEvent(event: ServerEvent): void;
  sendAudio(samples: Int16Array): void;
  close(code?: number): void;
}

/** What a participant without a name is called: `p3` → `Guest 3`. */
export function guestName(id: string): string {
  return `Guest ${id.replace(/^\D+/, '')}`;
}

/** Six people at one avatar: a trainer and a few trainees, a family at a kiosk. */
export const DEFAULT_MAX_PARTICIPANTS = 6;

/**
 * One person in a conversation, on a connection of their own: their microphone has its own
 * listening stage (VAD, recognizer stream), so two microphones never mix.
 */
export class Participant {
  listening: ListeningStage | null = null;
  echoAware: EchoAwareBargeIn | null = null;
  /** Who said each utterance of their microphone, with `speech.speakers: detect`. */
  voices: UtteranceSpeakers | null = null;
  /** Someone in the conversation sent a frame: a joiner's own idle clock goes on. */
  activity: () => void = () => {};
  /** Starts of speech so far: whether they spoke again while an utterance was recognized. */
  speechStarts = 0;
  readonly missedSpeech: MissedSpeech;
  /** Left the session (or was disconnected): nothing more goes to it. */
  gone = false;

  constructor(
    readonly speaker: Speaker,
    readonly transport: ParticipantTransport,
    /** False: a text-only participant, sent no audio. */
    readonly audio: boolean,
    missedSpeechGraceMs?: number,
  ) {
    this.missedSpeech = new MissedSpeech(missedSpeechGraceMs);
  }

  get id(): string {
    return this.speaker.id;
  }

  /** Stops its listening; its transport is closed by whoever owns it. */
  leave(): void {
    this.gone = true;
    this.missedSpeech.close();
    this.listening?.close();
  }
}

/**
 * Everyone in one conversation, the host first: ids `p1`, `p2`… in order of joining, never
 * reused; the invite code others join with; and the fan-out of what everyone hears.
 */
export class SessionParticipants {
  private readonly list: Participant[] = [];
  private joined = 0;
  /** 128 random bits: not guessed in the life of a session, nor found by trying (each try costs a connection). */
  readonly inviteCode = randomBytes(16).toString('base64url');

  constructor(readonly maxParticipants: number = DEFAULT_MAX_PARTICIPANTS) {
    if (!Number.isInteger(maxParticipants) || maxParticipants < 1) {
      throw new RangeError(`maxParticipants must be a whole number ≥ 1, got ${maxParticipants}`);
    }
  }

  get present(): readonly Participant[] {
    return this.list;
  }

  get count(): number {
    return this.list.length;
  }

  /** A second person ever joined: user turns carry their speaker from then on. */
  get shared(): boolean {
    return this.joined > 1;
  }

  /** The next participant; its name as given, or `Guest N`. */
  add(
    name: string | undefined,
    transport: ParticipantTransport,
    audio: boolean,
    missedSpeechGraceMs?: number,
  ): Participant {
    this.joined++;
    const id = `p${this.joined}`;
    const speaker = { id, name: name ?? guestName(id) };
    const participant = new Participant(speaker, transport, audio, missedSpeechGraceMs);
    this.list.push(participant);
    return participant;
  }

  /** Refuses a join with the wrong code, or to a full session; the code is compared in constant time. */
  checkJoin(invite: string): void {
    const given = Buffer.from(invite);
    const expected = Buffer.from(this.inviteCode);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new VisemoError(ErrorCode.BadInvite, 'no session with this id and invite code is running');
    }
    if (this.list.length >= this.maxParticipants) {
      throw new VisemoError(
        ErrorCode.SessionFull,
        `the session has its maximum of ${this.maxParticipants} participants`,
      );
    }
  }

  /** Takes a participant out; answers false when it was not there. */
  remove(participant: Participant): boolean {
    const at = this.list.indexOf(participant);
    if (at < 0) return false;
    this.list.splice(at, 1);
    participant.leave();
    return true;
  }

  speakers(): Speaker[] {
    return this.list.map((p) => ({ ...p.speaker }));
  }

  /**
   * Sends an event to everyone, `except` one. One joiner's broken transport must not keep the
   * others from hearing the agent; the host's failure is thrown to the session afterwards, as a
   * single transport's always was.
   */
  broadcast(event: ServerEvent, except?: Participant): void {
    let hostFailure: unknown = null;
    for (const participant of this.list) {
      if (participant === except) continue;
      try {
        participant.transport.sendEvent(event);
      } catch (error) {
        if (participant === this.list[0] && participant.id === 'p1') hostFailure = error;
      }
    }
    if (hostFailure) throw hostFailure;
  }

  /** The agent's voice, to everyone who takes audio. */
  broadcastAudio(samples: Int16Array): void {
    for (const participant of this.list) {
      if (!participant.audio) continue;
      try {
        participant.transport.sendAudio(samples);
      } catch {
        // A transport that is going: its close takes the participant out.
      }
    }
  }
}
