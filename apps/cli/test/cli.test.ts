import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWav, writeWav } from '@visemo/speech';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runVisemo } from './support/run-visemo.js';

const supportAgent = path.join(repoRoot, 'examples/support-agent');

const visemo = runVisemo;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'visemo-cli-'));
});

describe('visemo chat', () => {
  it('answers one JSON line per input line when stdin is not a terminal', async () => {
    const run = await visemo(
      ['chat', '--agent', supportAgent, '--json'],
      'what are your opening hours\nwhere is my order\n482913\n',
    );
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ text: 'what are your opening hours', intent: 'opening_hours' });
    expect(lines[0].confidence).toBeGreaterThan(0.5);
    expect(lines[0].reply).toMatch(/Monday/);
    expect(lines[1]).toMatchObject({ intent: 'order_status', answeredBy: 'flow' });
    expect(lines[2].entities).toContainEqual({ entity: 'order_number', value: '482913' });
    expect(lines[2].reply).toMatch(/482913/);
  });

  it('names the file and line of an invalid agent and exits 1', async () => {
    const agent = path.join(dir, 'broken');
    await import('node:fs/promises').then((fs) => fs.mkdir(agent));
    await writeFile(
      path.join(agent, 'agent.yaml'),
      'version: 1\npersona:\n  name: X\n  greeting: Hi\nintents:\n  - name: Bad Name\n    examples: [a, b]\n    responses: [c]\n',
    );
    const run = await visemo(['chat', '--agent', agent, '--json'], 'hello\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/agent\.yaml:6:\d+ intents\[0\]\.name/);
  });
});

/** `visemo say TEXT --voice VOICE` into NAME.wav and NAME.json: the audio (16 kHz) and the track. */
async function say(text: string, voice: string, name: string) {
  const wav = path.join(dir, `${name}.wav`);
  const json = path.join(dir, `${name}.json`);
  const run = await visemo(['say', text, '-o', wav, '--visemes', json, '--voice', voice]);
  expect(run.code, run.stderr).toBe(0);
  const audio = readWav(new Uint8Array(await readFile(wav)));
  expect(audio.sampleRate).toBe(16000);
  return { wav, audio, track: JSON.parse(await readFile(json, 'utf8')) };
}

describe('visemo say and transcribe', () => {
  it('writes a 16 kHz WAV and its viseme track, which the agent recognizer understands', async () => {
    const { wav, audio, track } = await say('what are your opening hours', 'rms', 'hours');
    expect(audio.samples.length).toBeGreaterThan(16000);
    expect(track.visemes.length).toBeGreaterThan(5);
    expect(track.words.map((w: { word: string }) => w.word)).toEqual([
      'what',
      'are',
      'your',
      'opening',
      'hours',
    ]);

    // The same speech as 44.1 kHz stereo: transcribe mixes it down and resamples it.
    const stereo = new Int16Array(Math.round((audio.samples.length * 44100) / 16000) * 2);
    for (let i = 0; i < stereo.length / 2; i++) {
      const v = audio.samples[Math.floor((i * 16000) / 44100)] as number;
      stereo[2 * i] = v;
      stereo[2 * i + 1] = v;
    }
    const stereoPath = path.join(dir, 'hours-stereo.wav');
    await writeFile(stereoPath, stereoWav(stereo, 44100));
    for (const file of [wav, stereoPath]) {
      const run = await visemo(['transcribe', file, '--agent', supportAgent, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ text: 'what are your opening hours', understood: true });
    }
  });

  it('speaks French in an eSpeak voice, with its words and closed lips on "peux"', async () => {
    const { audio, track } = await say('Bonjour, je peux vous aider ?', 'fr', 'bonjour');
    expect(audio.samples.length).toBeGreaterThan(12000);
    expect(track.words.map((w: { word: string }) => w.word)).toEqual([
      'Bonjour',
      'je',
      'peux',
      'vous',
      'aider',
    ]);
    const peux = track.words[2];
    const lips = track.visemes.filter(
      (v: { viseme: string; startMs: number; endMs: number }) =>
        v.viseme === 'PP' && v.endMs > peux.startMs && v.startMs < peux.endMs,
    );
    expect(lips).toHaveLength(1);
  });

  it('refuses a WAV that is not PCM with a clear message', async () => {
    const mulaw = path.join(dir, 'mulaw.wav');
    const pcm = writeWav({ samples: new Int16Array(1600), sampleRate: 8000 });
    // Same file, format tag 7 (mu-law) and 8 bits per sample.
    const bytes = new Uint8Array(pcm);
    new DataView(bytes.buffer).setUint16(20, 7, true);
    await writeFile(mulaw, bytes);
    const run = await visemo(['transcribe', mulaw, '--agent', supportAgent]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/mu-law|µ-law|format/i);
    expect(run.stderr).toMatch(/bad_audio/);
  });

  it('explains usage mistakes with exit code 2', async () => {
    expect((await visemo(['dance'])).code).toBe(2);
    const run = await visemo(['say', 'hello']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/-o OUT\.wav is required/);
    const cache = await visemo(['serve', '--agent', supportAgent, '--tts-cache-mb', 'lots']);
    expect(cache.code).toBe(2);
    expect(cache.stderr).toMatch(/--tts-cache-mb must be a whole number/);
  });
});

/** A 16-bit PCM WAV with two channels. */
function stereoWav(interleaved: Int16Array, rate: number): Uint8Array {
  const bytes = new Uint8Array(44 + interleaved.byteLength);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + interleaved.byteLength, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 2, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, interleaved.byteLength, true);
  bytes.set(new Uint8Array(interleaved.buffer), 44);
  return bytes;
}
