import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FRENCH } from '@visemo/core';
import { loadAgent } from '@visemo/dialogue';
import { EspeakSynthesizer } from '@visemo/espeak';
import { agentRecognizerOptions } from '@visemo/server';
import { GrammarRecognizer, type GrammarRecognizerOptions, spokenForm } from '@visemo/speech';
import { parse } from 'yaml';
import type { BenchRow } from '../table.js';

/**
 * French recognition, all embedded: the French agent's grammar (examples/support-agent-fr) on the
 * fr-fr model, hearing eSpeak NG's French. In-grammar: four examples of every intent, said as the
 * grammar spells them; outside it: the agent's out-of-scope utterances and a few more. With
 * eSpeak's own voice and its Klatt variants (a different formant synthesizer, nearer to real
 * speech for the model), with the agent's grammar as it is (no paraphrases) and with paraphrases.
 * No recording of a real French speaker is in a registry package: these are synthetic voices only.
 */

const agentDir = fileURLToPath(new URL('../../examples/support-agent-fr', import.meta.url));
/** Silence each side, as the listening stage's pre-roll and hangover leave around an utterance. */
const PAD = new Int16Array(4800);
const CHUNK = 320;
/** Six-digit order numbers, as callers read them to the agent's flow, digit by digit. */
const ORDER_NUMBERS = ['482913', '735102', '590317', '118264', '903571', '246808', '657019', '381245'];
const EXTRA_OUT_OF_GRAMMAR = [
  'le petit chat dort sur le canapé rouge du salon',
  "il fait très beau aujourd'hui à lyon",
  'je voudrais une pizza aux champignons',
];

export async function benchAsrFrench(quick: boolean): Promise<BenchRow[]> {
  const agent = await loadAgent(agentDir);
  const heldOut = parse(await readFile(`${agentDir}/tests/utterances.yaml`, 'utf8')) as {
    out_of_scope: string[];
  };
  const inGrammar = agent.spec.intents
    .flatMap((i) => i.examples.slice(0, quick ? 2 : 4))
    .map((t) => spokenForm(t, FRENCH));
  const outside = [...heldOut.out_of_scope, ...EXTRA_OUT_OF_GRAMMAR].map((t) => spokenForm(t, FRENCH));
  const voices = quick ? ['klatt4'] : [undefined, 'klatt', 'klatt2', 'klatt4'];
  const grammars: [string, Partial<GrammarRecognizerOptions>][] = [
    ['no paraphrases', { generalize: false }],
    ['paraphrases', { generalize: {} }],
  ];
  const rows: BenchRow[] = [];
  for (const [grammarName, extra] of grammars) {
    const recognizer = await GrammarRecognizer.create({ ...agentRecognizerOptions(agent.spec), ...extra });
    try {
      for (const variant of voices) {
        const voice = new EspeakSynthesizer({ defaultVoice: 'fr', ...(variant ? { variant } : {}) });
        const heard = async (text: string) => {
          const { audio } = await voice.synthesize(text);
          const samples = new Int16Array(audio.samples.length + 2 * PAD.length);
          samples.set(audio.samples, PAD.length);
          const stream = recognizer.start();
          for (let i = 0; i < samples.length; i += CHUNK) stream.write(samples.subarray(i, i + CHUNK));
          return stream.finish();
        };
        let exact = 0;
        for (const text of inGrammar) if ((await heard(text)).text === text) exact++;
        let digits = 0;
        for (const number of ORDER_NUMBERS) {
          const said = FRENCH.digitsToWords(number);
          if ((await heard(said)).text === said) digits++;
        }
        let rejected = 0;
        for (const text of outside) if (!(await heard(text)).understood) rejected++;
        const name = `fr${variant ? `+${variant}` : ''}, ${grammarName}`;
        process.stderr.write(
          `  ${name}: ${exact}/${inGrammar.length} word for word, ${digits}/${ORDER_NUMBERS.length} numbers, ${rejected}/${outside.length} rejected\n`,
        );
        rows.push(
          {
            name: `${name} · in-grammar utterances recognized word for word (${inGrammar.length})`,
            value: (100 * exact) / inGrammar.length,
            unit: '%',
          },
          {
            name: `${name} · six-digit order numbers heard digit for digit (${ORDER_NUMBERS.length})`,
            value: (100 * digits) / ORDER_NUMBERS.length,
            unit: '%',
          },
          {
            name: `${name} · utterances outside the grammar rejected (${outside.length})`,
            value: (100 * rejected) / outside.length,
            unit: '%',
          },
        );
      }
    } finally {
      recognizer.close();
    }
  }
  return rows;
}
