import { fileURLToPath } from 'node:url';
import type { DialoguePolicy, SpeechSynthesizer } from '@visemo/core';
import {
  type AgentRuntime,
  ConversationSession,
  createEmbeddedRuntime,
  type ServerEvent,
} from '@visemo/server';
import { type BenchRow, percentile } from './table.js';

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));
const TEXTS = [
  'what are your opening hours',
  'how much is shipping to france',
  'can i pay with paypal',
  'my parcel arrived damaged',
  'thanks a lot',
  'do you have gift cards',
];

/**
 * Time a turn spends outside the providers: protocol handling, the turn pipeline, sentence
 * chunking, event serialisation. Every provider call is timed and subtracted from the turn's wall
 * time (typed input → turn.end).
 */
export async function benchPipelineOverhead(turns = 300): Promise<BenchRow[]> {
  const { runtime } = await createEmbeddedRuntime(agentDir, { speechInput: false });
  let providerMs = 0;
  const timed = <T>(call: () => T): T => {
    const started = performance.now();
    const result = call();
    if (result instanceof Promise) {
      return result.finally(() => {
        providerMs += performance.now() - started;
      }) as T;
    }
    providerMs += performance.now() - started;
    return result;
  };
  const synthesizer: SpeechSynthesizer = {
    name: runtime.synthesizer.name,
    voices: runtime.synthesizer.voices,
    synthesize: (request) => timed(() => runtime.synthesizer.synthesize(request)),
  };
  const measured: AgentRuntime = {
    ...runtime,
    synthesizer,
    nlu: { classify: (text) => timed(() => runtime.nlu.classify(text)) },
    createDialogue: () => {
      const dialogue = runtime.createDialogue();
      const wrapped: DialoguePolicy = {
        greeting: () => dialogue.greeting(),
        respond: (nlu, options) => timed(() => dialogue.respond(nlu, options)),
      };
      return wrapped;
    },
  };

  let resolveTurn: (() => void) | null = null;
  const session = new ConversationSession(measured, {
    sendEvent: (event: ServerEvent) => {
      JSON.stringify(event);
      if (event.type === 'turn.end') resolveTurn?.();
    },
    sendAudio: () => {},
    close: () => {},
  });
  session.handleText(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
  const overhead: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < turns; i++) {
    providerMs = 0;
    const done = new Promise<void>((r) => {
      resolveTurn = r;
    });
    const started = performance.now();
    session.handleText(JSON.stringify({ type: 'text', text: TEXTS[i % TEXTS.length] }));
    await done;
    const total = performance.now() - started;
    wall.push(total);
    overhead.push(total - providerMs);
  }
  session.close();
  const rows: BenchRow[] = [
    { name: 'typed turn, wall time p50', value: percentile(wall, 50), unit: 'ms' },
    {
      name: 'pipeline overhead per turn p50',
      value: percentile(overhead, 50),
      unit: 'ms',
      target: '≤ 5',
      ok: percentile(overhead, 50) <= 5,
    },
    { name: 'pipeline overhead per turn p95', value: percentile(overhead, 95), unit: 'ms' },
  ];
  return rows;
}
