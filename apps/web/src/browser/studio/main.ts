import type { Expression } from '@visemo/core';
import type { CharacterName } from '@visemo/core/avatar-look';
import { formatSpeechMarks, toAzureVisemeEvents, toPollySpeechMarks } from '@visemo/core/viseme-exports';
import type { AvatarView } from '../avatar-view.js';
import { byId } from '../dom.js';
import { PreviewPlayer } from './preview-player.js';
import { type PreviewTrack, StudioApi, storedAdminKey, takeAdminKeyFromLink } from './studio-api.js';
import { TrackCanvas } from './track-canvas.js';

/**
 * The studio's animation previewer: a sentence (or a recording and its text) becomes audio and a
 * viseme track, shown over the waveform and on the face, played at normal or half speed, scrubbed,
 * and exported as Visemo JSON, Azure viseme events or Polly speech marks.
 */

const params = new URLSearchParams(location.search);
const api = new StudioApi(storedAdminKey);
const player = new PreviewPlayer();
const canvas = new TrackCanvas(byId<HTMLCanvasElement>('track'));
const status = byId('studio-status');
const position = byId<HTMLInputElement>('position');
let track: PreviewTrack | null = null;
let avatar: AvatarView | null = null;
let model: File | null = null;

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

async function makeAvatar(): Promise<void> {
  const { createPageAvatar } = await import('../page-avatar.js');
  avatar?.dispose();
  const host = byId('studio-avatar');
  host.replaceChildren();
  const forced = params.get('avatar');
  avatar = await createPageAvatar(host, {
    reducedMotion: matchMedia('(prefers-reduced-motion: reduce)').matches,
    renderer: forced === '2d' ? 'svg' : forced === '3d' || model ? 'webgl' : 'auto',
    look: { character: byId<HTMLSelectElement>('character').value as CharacterName },
  });
  if (model) await avatar.loadModel(model);
  avatar.setExpression(byId<HTMLSelectElement>('expression').value as Expression, 0.8);
  if (track) avatar.scheduleVisemes(track.visemes, 0);
}

async function preview(): Promise<void> {
  const text = byId<HTMLTextAreaElement>('preview-text').value.trim();
  const recording = byId<HTMLInputElement>('recording').files?.[0];
  say(recording ? 'Aligning the recording with the text…' : 'Synthesizing…');
  player.stop();
  let wav: ArrayBuffer;
  if (recording) {
    wav = await recording.arrayBuffer();
    track = await api.alignment(wav, text);
  } else {
    const voice = byId<HTMLSelectElement>('voice').value;
    ({ track, wav } = await api.speech(text, voice));
  }
  const samples = await player.load(wav);
  canvas.show(samples, track.visemes, player.durationMs);
  avatar?.stopVisemes(0);
  avatar?.scheduleVisemes(track.visemes, 0);
  position.max = String(Math.round(player.durationMs));
  position.value = '0';
  for (const id of ['play', 'play-slow', 'position', 'export-visemo', 'export-azure', 'export-polly']) {
    byId<HTMLButtonElement | HTMLInputElement>(id).disabled = false;
  }
  const shapes = track.visemes.filter((v) => v.viseme !== 'sil').length;
  say(`${(player.durationMs / 1000).toFixed(2)} s, ${track.words.length} words, ${shapes} mouth shapes.`);
  showPosition(0);
}

function showPosition(ms: number): void {
  const cue = track?.visemes.find((v) => v.startMs <= ms && ms < v.endMs);
  const text = `${(ms / 1000).toFixed(2)} s${cue ? `: ${cue.viseme}` : ''}`;
  byId('position-text').textContent = text;
  position.setAttribute('aria-valuetext', text);
}

function frame(): void {
  const ms = player.positionMs;
  avatar?.update(ms / 1000);
  if (player.playing) {
    position.value = String(Math.round(ms));
    showPosition(ms);
  }
  canvas.draw(Number(position.value));
  requestAnimationFrame(frame);
}

function download(name: string, type: string, content: string): void {
  const link = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(new Blob([content], { type })),
    download: name,
  });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function bind(): void {
  byId<HTMLFormElement>('preview-form').addEventListener('submit', (event) => {
    event.preventDefault();
    preview().catch((error: unknown) => say(error instanceof Error ? error.message : String(error), true));
  });
  byId('play').addEventListener('click', () => void player.play(1, Number(position.value)));
  byId('play-slow').addEventListener('click', () => void player.play(0.5, Number(position.value)));
  position.addEventListener('input', () => {
    player.seek(Number(position.value));
    showPosition(Number(position.value));
  });
  player.onEnded = () => showPosition(player.durationMs);
  byId('character').addEventListener('change', () => void makeAvatar());
  byId('expression').addEventListener('change', () => {
    avatar?.setExpression(byId<HTMLSelectElement>('expression').value as Expression, 0.8);
  });
  byId<HTMLInputElement>('model-file').addEventListener('change', (event) => {
    model = (event.target as HTMLInputElement).files?.[0] ?? null;
    makeAvatar().catch((error: unknown) => {
      model = null;
      say(`The model could not be shown: ${error instanceof Error ? error.message : error}`, true);
      void makeAvatar();
    });
  });
  const base = () => (track ? track.text.slice(0, 24).replace(/\W+/g, '-').toLowerCase() : 'track');
  byId('export-visemo').addEventListener('click', () => {
    if (track) download(`${base()}.visemo.json`, 'application/json', `${JSON.stringify(track, null, 2)}\n`);
  });
  byId('export-azure').addEventListener('click', () => {
    if (track)
      download(
        `${base()}.azure-visemes.json`,
        'application/json',
        `${JSON.stringify(toAzureVisemeEvents(track.visemes), null, 2)}\n`,
      );
  });
  byId('export-polly').addEventListener('click', () => {
    if (track)
      download(
        `${base()}.polly-marks.jsonl`,
        'application/x-ndjson',
        formatSpeechMarks(toPollySpeechMarks(track.visemes, track.words, track.text)),
      );
  });
}

async function start(): Promise<void> {
  takeAdminKeyFromLink(params);
  bind();
  requestAnimationFrame(frame);
  try {
    const voices = await api.voices();
    const select = byId<HTMLSelectElement>('voice');
    for (const name of voices.voices) select.append(new Option(name, name, false, name === voices.default));
    byId<HTMLSelectElement>('character').value = voices.look.character;
  } catch (error) {
    say(`The studio cannot reach the server: ${error instanceof Error ? error.message : error}`, true);
  }
  await makeAvatar();
}

void start();
Object.assign(window, {
  studio: {
    player,
    get track() {
      return track;
    },
    get avatar() {
      return avatar;
    },
  },
});
