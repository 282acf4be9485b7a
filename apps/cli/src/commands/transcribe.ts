import { readFile } from 'node:fs/promises';
import { createEmbeddedRuntime } from '@visemo/server';
import { readWav, toPipelineAudio } from '@visemo/speech';
import { parseCommandArgs, requireString, UsageError } from '../args.js';

const HELP = `visemo transcribe FILE.wav --agent DIR [--json]

Recognises a recording with the agent's grammar recognizer (the phrases of its domain). Any PCM
WAV is accepted (8–32-bit, any rate, any channels): it is mixed to mono and resampled to 16 kHz.
  --json   one JSON object: text, understood, confidence, durationMs, elapsedMs`;

/** Audio fed per write: a live microphone's frame size, so the result matches streaming use. */
const CHUNK = 320;

export async function transcribeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { agent: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('give exactly one FILE.wav');
  const agentDir = requireString(values.agent, '--agent');
  const audio = toPipelineAudio(readWav(new Uint8Array(await readFile(file))));
  const { runtime, close } = await createEmbeddedRuntime(agentDir, { warmDecoders: 1 });
  const recognizer = runtime.recognizer;
  if (!recognizer) throw new UsageError('this agent has no speech recognizer');

  const durationMs = (audio.samples.length / audio.sampleRate) * 1000;
  const showProgress = !values.json && process.stderr.isTTY && durationMs > 10_000;
  const started = performance.now();
  const stream = recognizer.start();
  for (let at = 0; at < audio.samples.length; at += CHUNK) {
    stream.write(audio.samples.subarray(at, at + CHUNK));
    if (showProgress && at % (CHUNK * 500) === 0) {
      process.stderr.write(`\r${Math.round((100 * at) / audio.samples.length)}% `);
    }
  }
  const transcript = await stream.finish();
  await close();
  const elapsedMs = performance.now() - started;
  if (showProgress) process.stderr.write('\r     \r');
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        file,
        text: transcript.text,
        understood: transcript.understood,
        confidence: transcript.confidence,
        durationMs: Math.round(durationMs),
        elapsedMs: Math.round(elapsedMs),
      })}\n`,
    );
  } else if (transcript.understood) {
    process.stdout.write(`${transcript.text}\n`);
  } else {
    process.stdout.write("(not understood: the speech matches none of the agent's phrases)\n");
  }
  return transcript.understood ? 0 : 3;
}
