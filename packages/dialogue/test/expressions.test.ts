import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NluResult } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { AgentDialogue, loadAgent, moodOf, readExpressionTags } from '../src/index.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

describe('expressions from the dialogue', () => {
  it('reads expression tags out of a sentence, and leaves other brackets as text', () => {
    expect(readExpressionTags('[concerned] I am sorry it is late.')).toEqual({
      text: 'I am sorry it is late.',
      expression: 'concerned',
    });
    expect(readExpressionTags('Good news [ Happy ] it left today.')).toEqual({
      text: 'Good news it left today.',
      expression: 'happy',
    });
    expect(readExpressionTags('See [section 4] of the terms.')).toEqual({
      text: 'See [section 4] of the terms.',
      expression: null,
    });
    expect(readExpressionTags('[smug] Hello.')).toEqual({ text: '[smug] Hello.', expression: null });
    expect(readExpressionTags('[happy]')).toEqual({ text: '', expression: 'happy' });
  });

  it("hears a complaint or thanks in the caller's words, and little else", () => {
    expect(moodOf('my parcel arrived broken')).toBe('concerned');
    expect(moodOf('this is the worst service, I am so frustrated')).toBe('concerned');
    expect(moodOf('my order never arrived')).toBe('concerned');
    expect(moodOf('thanks, that was really helpful')).toBe('happy');
    expect(moodOf('no problem, thank you')).toBe('happy');
    expect(moodOf('not bad at all')).toBeNull();
    expect(moodOf('where is my order')).toBeNull();
    expect(moodOf('')).toBeNull();
  });

  it("shows concern on a complaint the agent's intent gives no face, and keeps the intent's own", async () => {
    const agent = await loadAgent(path.join(EXAMPLES, 'support-agent'));
    const plain = agent.spec.intents.find((i) => !i.expression && !i.flow && i.responses.length > 0);
    if (!plain) throw new Error('the support agent has no intent without an expression');
    const understood = (text: string, intent: string): NluResult => ({
      text,
      intent,
      confidence: 0.95,
      ranking: [{ intent, confidence: 0.95 }],
      entities: [],
    });
    const expressionOf = async (text: string, intent: string) => {
      const reply = new AgentDialogue(agent).respond(understood(text, intent));
      for await (const event of reply.events) if (event.type === 'expression') return event.expression;
      return null;
    };
    const example = plain.examples[0] as string;
    expect(await expressionOf(example, plain.name)).toBe(agent.spec.persona.expression);
    expect(await expressionOf(`${example}, this is terrible, it is broken`, plain.name)).toBe('concerned');
    const tagged = agent.spec.intents.find(
      (i) => i.expression && i.expression !== agent.spec.persona.expression,
    );
    if (tagged) {
      const own = tagged.expression;
      expect(await expressionOf(`${tagged.examples[0]} it is broken`, tagged.name)).toBe(own);
    }
  });
});
