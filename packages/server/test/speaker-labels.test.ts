import { FliteSynthesizer } from '@visemo/speech';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAgentYaml } from './support/agent-server.js';
import { type EventOf, TestCaller, withLeadingSilence } from './support/test-caller.js';

const agentYaml = (speakers: string | null) => `version: 1
persona:
  name: Kiosk
  greeting: Hello.
${speakers ? `speech:\n  speakers: ${speakers}\n` : ''}intents:
  - name: opening_hours
    examples: [what are your opening hours, when are you open on sunday]
    responses: [We open at nine.]
  - name: directions
    examples: [how do i get to the train station, where is the nearest bus stop]
    responses: [Turn left at the exit.]
`;

const flite = new FliteSynthesizer();
const servers: FastifyInstance[] = [];
const urls = { detect: '', off: '' };

beforeAll(async () => {
  for (const [name, speakers] of [
    ['detect', 'detect'],
    ['off', null],
  ] as const) {
    const { app, url } = await serveAgentYaml(agentYaml(speakers));
    servers.push(app);
    urls[name] = url;
  }
}, 120_000);

afterAll(async () => {
  for (const app of servers) await app.close();
  await flite.close();
});

/** Two people at one microphone: a woman, a man, the woman again; each waits for the answer. */
const CONVERSATION = [
  { voice: 'slt', text: 'what are your opening hours' },
  { voice: 'rms', text: 'how do i get to the train station' },
  { voice: 'slt', text: 'when are you open on sunday' },
];

async function converse(url: string): Promise<{ finals: EventOf<'transcript.final'>[]; caller: TestCaller }> {
  const caller = await TestCaller.start(url);
  const finals: EventOf<'transcript.final'>[] = [];
  for (const { voice, text } of CONVERSATION) {
    const { audio } = await flite.synthesize({ text, voice });
    const after = caller.mark();
    await caller.speak(withLeadingSilence(audio.samples));
    const final = await caller.waitFor('transcript.final', () => true, { after });
    finals.push(final);
    await caller.waitFor('turn.end', (e) => e.turnId === final.turnId, { after });
  }
  return { finals, caller };
}

describe('speech.speakers: who is speaking into one microphone', () => {
  it('labels each transcript.final with its speaker, the same label when the first voice returns', async () => {
    const { finals, caller } = await converse(urls.detect);
    try {
      expect(finals.map((f) => f.speaker)).toEqual([
        { id: 'v1', name: 'Speaker 1' },
        { id: 'v2', name: 'Speaker 2' },
        { id: 'v1', name: 'Speaker 1' },
      ]);
      caller.send({ type: 'transcript.get' });
      const history = await caller.waitFor('transcript');
      expect(history.entries.filter((e) => e.role === 'user').map((e) => e.speaker?.id)).toEqual([
        'v1',
        'v2',
        'v1',
      ]);
    } finally {
      caller.close();
    }
  }, 90_000);

  it('sends no speaker by default', async () => {
    const { finals, caller } = await converse(urls.off);
    caller.close();
    expect(finals).toHaveLength(3);
    for (const final of finals) expect(final).not.toHaveProperty('speaker');
  }, 90_000);
});
