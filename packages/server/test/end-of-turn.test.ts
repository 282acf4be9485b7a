import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime, type EmbeddedRuntime } from '../src/embedded-runtime.js';
import type { ServerEvent } from '../src/protocol/server-events.js';
import { ConversationSession } from '../src/session/conversation-session.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const FRAME = 320; // 20 ms at 16 kHz
const voice = new FliteSynthesizer();
let runtime: EmbeddedRuntime;
let patient: EmbeddedRuntime;
let temp: string;

beforeAll(async () => {
  runtime = await createEmbeddedRuntime(supportAgent, { env: {}, providers: false });
  // The same agent, told to wait 600 ms after a whole phrase.
  temp = await mkdtemp(path.join(tmpdir(), 'visemo-end-of-turn-'));
  const dir = path.join(temp, 'patient');
  await cp(supportAgent, dir, { recursive: true });
  const yaml = await readFile(path.join(dir, 'agent.yaml'), 'utf8');
  await writeFile(
    path.join(dir, 'agent.yaml'),
    `${yaml}\nspeech:\n  endOfTurn:\n    afterPhraseMs: 600\n    otherwiseMs: 400\n`,
  );
  patient = await createEmbeddedRuntime(dir, { env: {}, providers: false });
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await patient?.close();
  await voice.close();
  await rm(temp, { recursive: true, force: true });
});

/**
 * Feeds 300 ms of silence, Flite saying `text`, then silence, one 20 ms frame at a time with no
 * waiting (the in-thread recognizer decodes as it is fed), and answers how much audio followed the
 * end of speech when the VAD ended the turn, in ms of audio.
 */
async function silenceBeforeTurnEnd(agent: EmbeddedRuntime, text: string): Promise<number> {
  const events: ServerEvent[] = [];
  const session = new ConversationSession(agent.runtime, {
    sendEvent: (event) => events.push(event),
    sendAudio: () => {},
    close: () => {},
  });
  session.handleText(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
  while (!events.some((e) => e.type === 'session.started')) await new Promise((r) => setTimeout(r, 5));
  const { audio } = await voice.synthesize({ text, voice: 'slt' });
  const samples = new Int16Array(4800 + audio.samples.length + 16000);
  samples.set(audio.samples, 4800);
  try {
    for (let at = 0; at < samples.length; at += FRAME) {
      session.handleBinary(new Uint8Array(samples.slice(at, at + FRAME).buffer));
      const end = events.find((e) => e.type === 'vad' && e.state === 'speech-end');
      if (end?.type === 'vad') return (at + FRAME) / 16 - end.atMs;
    }
    throw new Error(`no end of speech; got ${events.map((e) => e.type).join(', ')}`);
  } finally {
    session.close();
  }
}

describe('end of turn', () => {
  it('ends the turn after a shorter pause once the recognizer has heard a whole phrase', async () => {
    const whole = await silenceBeforeTurnEnd(runtime, 'where is my order');
    expect(whole).toBeGreaterThanOrEqual(250);
    expect(whole).toBeLessThan(400);
  });

  it('waits the full hangover for speech that is not yet a phrase', async () => {
    const unfinished = await silenceBeforeTurnEnd(runtime, 'my order number is four eight two');
    expect(unfinished).toBeGreaterThanOrEqual(400);
  });

  it("takes the pause from the agent's speech.endOfTurn", async () => {
    expect(await silenceBeforeTurnEnd(patient, 'where is my order')).toBeGreaterThanOrEqual(600);
  });
});
