import { fileURLToPath } from 'node:url';
import { type RecognitionStream, VisemoError } from '@visemo/core';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import type { ServerEvent } from '../src/protocol/server-events.js';
import { ConversationSession } from '../src/session/conversation-session.js';
import { withLeadingSilence } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const embedded = await createEmbeddedRuntime(supportAgent, { warmDecoders: 1 });

afterAll(async () => {
  await embedded.close();
});

describe('a recognizer that fails', () => {
  it('reports the error and still answers the person, asking them to say it again', async () => {
    const real = embedded.runtime.recognizer;
    if (!real) throw new Error('no recognizer');
    const failing = {
      name: real.name,
      sampleRate: real.sampleRate,
      start: (): RecognitionStream => {
        const stream = real.start();
        return {
          write: (samples) => stream.write(samples),
          partial: () => stream.partial(),
          cancel: () => stream.cancel(),
          finish: async () => {
            stream.cancel();
            throw new VisemoError('provider_timeout', 'soundswallower-grammar did not answer within 5000 ms');
          },
        };
      },
    };
    const events: ServerEvent[] = [];
    const session = new ConversationSession(
      { ...embedded.runtime, recognizer: failing },
      { sendEvent: (e) => events.push(e), sendAudio: () => {}, close: () => {} },
    );
    session.handleText(JSON.stringify({ type: 'session.start', protocol: 1, greet: false, audio: false }));
    while (!events.some((e) => e.type === 'session.started')) await new Promise((r) => setTimeout(r, 10));

    const { audio } = await new FliteSynthesizer().synthesize({
      text: 'what are your opening hours',
      voice: 'rms',
    });
    const speech = withLeadingSilence(audio.samples);
    const padded = new Int16Array(speech.length + 16000);
    padded.set(speech);
    for (let at = 0; at < padded.length; at += 320) {
      session.handleBinary(new Uint8Array(padded.slice(at, at + 320).buffer));
    }
    for (let i = 0; i < 300 && !events.some((e) => e.type === 'turn.end'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'provider_timeout', fatal: false });
    expect(events.find((e) => e.type === 'transcript.final')).toMatchObject({ understood: false });
    expect(events.find((e) => e.type === 'response.text')).toMatchObject({ answeredBy: 'fallback' });
    expect(events.some((e) => e.type === 'turn.end')).toBe(true);
    session.close();
  });
});
