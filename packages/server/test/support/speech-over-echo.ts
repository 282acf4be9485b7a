import type { VoiceActivityDetector } from '@visemo/core';
import {
  atLevel,
  type EchoPath,
  EchoRoom,
  rms,
  roomNoise,
  toPcm16,
} from '../../../speech/test/support/echo-mix.js';
import type { ServerEvent } from '../../src/protocol/server-events.js';
import { EchoAwareBargeIn } from '../../src/session/echo-aware-barge-in.js';
import { ListeningStage } from '../../src/session/listening-stage.js';
import { DUCK_GAIN } from '../../src/session/speech-over-playback.js';
import { ScriptedRecognizer } from './scripted-runtime.js';

/**
 * One reply played on loudspeakers and heard back by the microphone, maybe with a person talking
 * over it, through the listening stage under either barge-in rule, wired as the session wires it.
 * The client is simulated: it ducks and stops what it plays when told to, and the echo follows.
 */

export type BargeInRule = 'vad' | 'echo-aware';

export interface SpeechOverEcho {
  /** The agent's reply, 16 kHz. */
  reply: Int16Array;
  path: EchoPath;
  /** What the person says over the reply: from `atMs`, at `levelDb` relative to the reply's RMS. */
  speech?: { samples: Int16Array; atMs: number; levelDb: number; words: string };
}

export interface EchoOutcome {
  /** When the reply was stopped (the barge-in frame), in ms of microphone audio. */
  stoppedAtMs: number | null;
  /** When the reply was first turned down (echo-aware only). */
  duckedAtMs: number | null;
  /** Speech over the reply that was let pass as a backchannel. */
  backchannels: number;
  /** The session events the echo-aware rule sent (`playback.duck`). */
  events: ServerEvent[];
}

const FRAME = 320; // 20 ms, as the browser SDK sends
const TAIL_MS = 1500;

export function runSpeechOverEcho(
  rule: BargeInRule,
  scenario: SpeechOverEcho,
  vad: VoiceActivityDetector,
): EchoOutcome {
  const { reply, path, speech } = scenario;
  const recognizer = new ScriptedRecognizer();
  for (let i = 0; i < 8; i++) recognizer.expect(speech?.words ?? '');
  const events: ServerEvent[] = [];
  const echo = rule === 'echo-aware' ? new EchoAwareBargeIn((e) => events.push(e)) : null;
  let nowMs = 0;
  const stage = new ListeningStage({
    now: () => nowMs,
    vad: echo ? echo.vad(vad) : vad,
    recognizer,
    inputSampleRate: 16000,
    asrTimeoutMs: 5000,
    ...(echo ? { inputFilter: echo.inputFilter(undefined), overlap: echo.overlap } : {}),
  });
  echo?.sent(1, reply, 16000);
  const room = new EchoRoom(path, reply);
  const voice = speech ? atLevel(trimSilence(speech.samples), reply, speech.levelDb) : new Float64Array(0);
  const voiceAt = speech ? Math.round((speech.atMs / 1000) * 16000) : 0;
  const length = Math.max(reply.length, voiceAt + voice.length) + (TAIL_MS / 1000) * 16000;
  const noise = roomNoise(length);
  const outcome: EchoOutcome = { stoppedAtMs: null, duckedAtMs: null, backchannels: 0, events };
  let gain = 1;
  for (let at = 0; at < length; at += FRAME) {
    const played = new Float64Array(FRAME);
    if (outcome.stoppedAtMs === null) for (let i = 0; i < FRAME; i++) played[i] = (reply[at + i] ?? 0) * gain;
    const heard = room.push(played);
    for (let i = 0; i < FRAME; i++) {
      const t = at + i - voiceAt;
      heard[i] = (heard[i] as number) + (noise[at + i] ?? 0) + (t >= 0 ? (voice[t] ?? 0) : 0);
    }
    nowMs = ((at + FRAME) / 16000) * 1000;
    for (const frame of stage.push(new Uint8Array(toPcm16(heard).buffer))) {
      if (frame.type === 'barge-in' && outcome.stoppedAtMs === null) {
        outcome.stoppedAtMs = nowMs;
        echo?.stopped();
      } else if (frame.type === 'duck') {
        outcome.duckedAtMs ??= nowMs;
        echo?.duck();
        gain = DUCK_GAIN;
      } else if (frame.type === 'backchannel') {
        outcome.backchannels++;
        echo?.restore();
        gain = 1;
      }
    }
  }
  stage.close();
  return outcome;
}

/** `samples` without the silence before and after (10 ms frames under a tenth of the loudest's RMS). */
export function trimSilence(samples: Int16Array): Int16Array {
  const frames = Math.floor(samples.length / 160);
  const levels = Array.from({ length: frames }, (_, f) => rms(samples.subarray(f * 160, f * 160 + 160)));
  const floor = Math.max(...levels) / 10;
  const first = levels.findIndex((l) => l > floor);
  const last = levels.length - 1 - [...levels].reverse().findIndex((l) => l > floor);
  return samples.slice(first * 160, (last + 1) * 160);
}
