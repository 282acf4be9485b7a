import { fileURLToPath } from 'node:url';
import { createEmbeddedRuntime, createServer } from '@visemo/server';
import { FliteSynthesizer } from '@visemo/speech';
import { TestCaller, withLeadingSilence } from '../packages/server/test/support/test-caller.js';
import { type BenchRow, percentile } from './table.js';

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));
/** Two people, two voices, two questions of the support agent's domain. */
const ANA = { voice: 'slt', text: 'what are your opening hours' };
const BO = { voice: 'rms', text: 'where is my order' };

/**
 * Conversations of several people (docs/multi-party.md) on one in-process server: how long a
 * join takes, and what a second microphone speaking at the same time costs the first one —
 * from the end of its speech to the first audio of the answer — and whether each is still
 * recognized whole.
 */
export async function benchMultiParty(quick: boolean): Promise<BenchRow[]> {
  const flite = new FliteSynthesizer();
  const speech = async (who: { voice: string; text: string }) =>
    withLeadingSilence((await flite.synthesize({ text: who.text, voice: who.voice })).audio.samples);
  const [anaSays, boSays] = [await speech(ANA), await speech(BO)];
  await flite.close();
  // Every sentence synthesized anew: a cached answer would hide what the second stream costs.
  const { runtime, close } = await createEmbeddedRuntime(agentDir, { synthesisCacheBytes: 0 });
  const app = await createServer({ runtime });
  const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  const rounds = quick ? 2 : 5;
  try {
    const joins: number[] = [];
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      const host = await TestCaller.start(url, { name: 'Ana', audio: false });
      const started = host.of('session.started')[0];
      const guest = await TestCaller.connect(url);
      const at = performance.now();
      guest.send({
        type: 'session.join',
        protocol: 1,
        sessionId: started?.type === 'session.started' ? started.sessionId : '',
        invite: started?.type === 'session.started' ? started.invite?.code : '',
        name: 'Bo',
        audio: false,
      });
      await guest.waitFor('session.started');
      joins.push(performance.now() - at);
      guest.close();
      host.close();
    }

    const alone: number[] = [];
    const together: number[] = [];
    let heardWhole = 0;
    for (let round = 0; round < rounds; round++) {
      // The same two questions, each asked by one person alone: the same answers to synthesize.
      alone.push(...(await answerDelays(url, [anaSays], [ANA.text])).delays);
      alone.push(...(await answerDelays(url, [boSays], [BO.text])).delays);
      const both = await answerDelays(url, [anaSays, boSays], [ANA.text, BO.text]);
      together.push(...both.delays);
      heardWhole += both.whole;
    }
    const median = (values: number[]) => percentile(values, 50);
    return [
      { name: 'session.join → session.started, median', value: median(joins), unit: 'ms' },
      { name: 'session.join → session.started, p95', value: percentile(joins, 95), unit: 'ms' },
      {
        name: `one person speaking: speech end → first audio, median (${alone.length} turns)`,
        value: median(alone),
        unit: 'ms',
      },
      {
        name: `two people speaking at once: speech end → first audio, median (${together.length} turns)`,
        value: median(together),
        unit: 'ms',
      },
      {
        name: 'two at once: utterances recognized word for word',
        value: (100 * heardWhole) / (2 * rounds),
        unit: '%',
        target: '100',
        ok: heardWhole === 2 * rounds,
      },
    ];
  } finally {
    await app.close();
    await close();
  }
}

/**
 * One conversation: each of `utterances` spoken at once by a participant of its own (the first
 * the host); the server's measure of each turn (`speechEndToFirstAudioMs`), and how many were
 * recognized as `expected`.
 */
async function answerDelays(
  url: string,
  utterances: Int16Array[],
  expected: string[],
): Promise<{ delays: number[]; whole: number }> {
  const host = await TestCaller.start(url, { name: 'Ana' });
  const started = host.of('session.started')[0];
  const callers = [host];
  for (let i = 1; i < utterances.length; i++) {
    const guest = await TestCaller.connect(url);
    guest.send({
      type: 'session.join',
      protocol: 1,
      sessionId: started?.type === 'session.started' ? started.sessionId : '',
      invite: started?.type === 'session.started' ? started.invite?.code : '',
      name: `Guest ${i + 1}`,
    });
    await guest.waitFor('session.started');
    callers.push(guest);
  }
  await Promise.all(callers.map((caller, i) => caller.speak(utterances[i] as Int16Array)));
  const finals = [];
  for (let i = 0; i < callers.length; i++) {
    finals.push(
      await host.waitFor('transcript.final', (e) => callers.length === 1 || e.speaker?.id === `p${i + 1}`),
    );
  }
  const ends = await Promise.all(finals.map((f) => host.waitFor('turn.end', (e) => e.turnId === f.turnId)));
  for (const caller of callers) caller.close();
  return {
    // A turn cut short by the other's (its answer stopped before a sound) has no first audio.
    delays: ends.flatMap((e) =>
      e.latency.speechEndToFirstAudioMs === undefined ? [] : [e.latency.speechEndToFirstAudioMs],
    ),
    whole: finals.filter((f, i) => f.text === expected[i]).length,
  };
}
