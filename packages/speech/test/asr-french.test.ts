import { describe, expect, it } from 'vitest';
import { GrammarRecognizer } from '../src/asr/index.js';

describe('GrammarRecognizer in French', () => {
  it('loads French phrases with numbers, elisions and plurals the dictionary lacks', async () => {
    const recognizer = await GrammarRecognizer.create({
      grammar: {
        phrases: [
          "j'ai {age} ans",
          "c'est la commande {numero}",
          'quatre-vingts euros',
          "j'habite à Paris",
          'le zorblax',
        ],
        slots: [
          { name: 'age', kind: 'number', min: 78, max: 82 },
          { name: 'numero', kind: 'digits', min: 6, max: 6 },
        ],
      },
      language: 'fr-FR',
      warmDecoders: 1,
    });
    try {
      // "vingts" is said as "vingt": 80 is not dropped for want of it.
      expect(recognizer.dropped).toEqual([
        expect.objectContaining({ phrase: 'le zorblax', reason: 'unknown-words', unknownWords: ['zorblax'] }),
      ]);
      expect(recognizer.jsgf).toContain('(quatre vingts)');
      // An elided word the dictionary lacks whole is said as its parts.
      expect(recognizer.jsgf).toContain("(j' habite à paris)");
      expect(recognizer.jsgf).toContain('<digit> = zéro | un | deux');
      // Silence is no phrase of the grammar, in French as in English.
      const stream = recognizer.start();
      stream.write(new Int16Array(16000));
      expect((await stream.finish()).understood).toBe(false);
    } finally {
      recognizer.close();
    }
  });
});
