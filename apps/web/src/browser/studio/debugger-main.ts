import { byId, element } from '../dom.js';
import { DebuggerApi, type DebugSession, type DebugTurn, type SessionSummary } from './debugger-api.js';
import { PreviewPlayer } from './preview-player.js';
import { clearReplay, showReplay } from './replay-diff.js';
import { keepAdminKey, StudioError, storedAdminKey, takeAdminKeyFromLink } from './studio-api.js';
import { TrackCanvas } from './track-canvas.js';
import { INPUT_NAMES, showTurnRecord } from './turn-detail.js';

/**
 * The studio's conversation debugger: the agent's stored sessions, a timeline of one session's
 * turns, everything recorded of a turn, and a replay of it against the agent as it is now with
 * the differences marked. Every request carries the admin key: these are personal data.
 */

const params = new URLSearchParams(location.search);
const api = new DebuggerApi(storedAdminKey);
const status = byId('debugger-status');
const heardCanvas = new TrackCanvas(byId<HTMLCanvasElement>('heard-track'));
const replyCanvas = new TrackCanvas(byId<HTMLCanvasElement>('reply-track'));
const heardPlayer = new PreviewPlayer();
const replyPlayer = new PreviewPlayer();
let current: DebugSession | null = null;
let turn: DebugTurn | null = null;
/** Bumped per shown turn: a slow answer for a turn no longer shown is dropped. */
let shown = 0;

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

function failed(error: unknown): void {
  if (error instanceof StudioError && (error.status === 401 || error.status === 403)) {
    askForKey(error.message);
    return;
  }
  say(error instanceof Error ? error.message : String(error), true);
}

function askForKey(reason?: string): void {
  const form = byId<HTMLFormElement>('key-form');
  form.hidden = false;
  if (reason) say(`${reason}.`, true);
  byId('admin-key').focus();
}

async function loadSessions(): Promise<void> {
  say('Loading the stored sessions…');
  const { agent, sessions } = await api.sessions();
  byId('key-form').hidden = true;
  const list = byId('sessions');
  list.replaceChildren();
  if (sessions.length === 0) list.append(element('li', 'muted', `No stored session of ${agent} yet.`));
  for (const session of sessions) list.append(sessionItem(session));
  say(`${sessions.length} stored ${sessions.length === 1 ? 'session' : 'sessions'} of ${agent}.`);
  void loadNluVersions();
}

/** The registered NLU versions a replay may run; the choice stays hidden without a registry. */
async function loadNluVersions(): Promise<void> {
  const field = byId('nlu-field');
  const select = byId<HTMLSelectElement>('nlu-version');
  try {
    const { running, versions } = await api.nluVersions();
    select.replaceChildren(new Option('as new sessions get it', ''));
    for (const v of [...versions].reverse()) {
      const when = new Date(v.registeredAt).toLocaleDateString();
      select.append(
        new Option(
          `version ${v.version}${v.version === running ? ' (running)' : ''} · ${when}`,
          String(v.version),
        ),
      );
    }
    field.hidden = versions.length < 2;
  } catch {
    field.hidden = true;
  }
}

function sessionItem(session: SessionSummary): HTMLLIElement {
  const item = element('li');
  const button = element('button', 'pick session-pick');
  button.type = 'button';
  button.dataset.session = session.id;
  button.setAttribute('aria-pressed', String(current?.session.id === session.id));
  const started = new Date(session.startedAt);
  button.append(
    element('span', 'pick-main', `${started.toLocaleDateString()} ${started.toLocaleTimeString()}`),
    element(
      'span',
      'pick-sub',
      `${session.turns} ${session.turns === 1 ? 'turn' : 'turns'} · ${session.endedAt ? `ended (${session.endReason})` : 'open'} · ${session.id.slice(0, 8)}`,
    ),
  );
  button.addEventListener('click', () => void openSession(session.id).catch(failed));
  item.append(button);
  return item;
}

async function openSession(id: string): Promise<void> {
  say('Loading the session’s turns…');
  current = await api.session(id);
  for (const button of document.querySelectorAll<HTMLButtonElement>('.session-pick'))
    button.setAttribute('aria-pressed', String(button.dataset.session === id));
  const list = byId('turns');
  list.replaceChildren();
  for (const t of current.turns) list.append(turnItem(t));
  if (current.turns.length === 0) list.append(element('li', 'muted', 'This session has no stored turn.'));
  say(`${current.turns.length} turns. Pick one to see it.`);
  const first = current.turns.find((t) => t.input !== 'greeting') ?? current.turns[0];
  if (first) showTurn(first, false);
}

function turnItem(t: DebugTurn): HTMLLIElement {
  const item = element('li');
  const button = element('button', `pick turn-pick input-${t.input}`);
  button.type = 'button';
  button.dataset.turn = String(t.turnIndex);
  button.setAttribute('aria-pressed', 'false');
  const said = t.input === 'greeting' ? 'The agent’s greeting' : (t.userText ?? '(words not kept)');
  // In a conversation of several people, who said it comes first.
  const words = t.speaker && t.input !== 'greeting' ? `${t.speaker.name}: ${said}` : said;
  const what = t.nlu.intent ?? t.path.answeredBy ?? 'no answer';
  button.append(
    element('span', 'pick-main', `${t.turnIndex}. ${words}`),
    element('span', 'pick-sub', `${INPUT_NAMES[t.input]} · ${what}${t.audio ? ' · recording' : ''}`),
  );
  button.addEventListener('click', () => showTurn(t, true));
  item.append(button);
  return item;
}

function showTurn(t: DebugTurn, moveFocus: boolean): void {
  turn = t;
  const token = ++shown;
  for (const button of document.querySelectorAll<HTMLButtonElement>('.turn-pick'))
    button.setAttribute('aria-pressed', String(button.dataset.turn === String(t.turnIndex)));
  byId('turn-detail').hidden = false;
  say('');
  showTurnRecord(t);
  clearReplay();
  byId('replay-text').hidden = t.input !== 'greeting' && t.userText === null;
  byId('replay-audio').hidden = !(t.audio && current?.replay.recognizer);
  replyPlayer.stop();
  heardPlayer.stop();
  if (moveFocus) byId('detail-title').focus();
  void showHeard(t, token).catch(failed);
  void showReply(t, token).catch((error: unknown) => {
    byId('reply-track-note').textContent =
      `The reply could not be drawn: ${error instanceof Error ? error.message : error}`;
  });
}

/** The person's utterance, when they consented to recordings: its waveform and a player. */
async function showHeard(t: DebugTurn, token: number): Promise<void> {
  const box = byId('heard-audio');
  box.hidden = true;
  if (!t.audio) return;
  const wav = await api.recording(t.audio.id);
  if (token !== shown) return;
  heardCanvas.show(loudest(await heardPlayer.load(wav)), [], t.audio.durationMs);
  byId('heard-note').textContent = `${(t.audio.durationMs / 1000).toFixed(2)} s as the recognizer heard it.`;
  box.hidden = false;
}

/**
 * The reply's recorded viseme track over its waveform. The reply's audio is not stored: the
 * waveform is its kept text spoken again in the recorded voice, which the embedded voices
 * render sample for sample as they did.
 */
async function showReply(t: DebugTurn, token: number): Promise<void> {
  const box = byId('reply-audio');
  box.hidden = true;
  if (t.reply.visemes.length === 0 || !t.reply.text || !t.reply.voice) return;
  const { wav } = await api.speech(t.reply.text, t.reply.voice);
  if (token !== shown) return;
  const samples = await replyPlayer.load(wav);
  const trackEnd = t.reply.visemes.at(-1)?.endMs ?? 0;
  replyCanvas.show(samples, t.reply.visemes, Math.max(replyPlayer.durationMs, trackEnd));
  byId('reply-track-note').textContent = t.reply.interrupted
    ? 'The track as sent; the waveform is the part that was heard, spoken again.'
    : `Recorded track over the reply spoken again (${(replyPlayer.durationMs / 1000).toFixed(2)} s).`;
  box.hidden = false;
}

/** The samples scaled so the loudest is full scale: a quiet microphone still shows its shape. */
function loudest(samples: Float32Array): Float32Array {
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  if (peak === 0) return samples;
  return samples.map((sample) => sample / peak);
}

async function replay(from: 'text' | 'audio'): Promise<void> {
  if (!current || !turn) return;
  const token = shown;
  clearReplay();
  byId('replay-summary').textContent = from === 'audio' ? 'Recognizing the recording again…' : 'Replaying…';
  const chosen = byId<HTMLSelectElement>('nlu-version').value;
  const result = await api.replay(
    current.session.id,
    turn.turnIndex,
    from,
    chosen ? Number(chosen) : undefined,
  );
  if (token !== shown) return;
  showReplay(result);
}

function frame(): void {
  if (replyPlayer.playing) replyCanvas.draw(replyPlayer.positionMs);
  if (heardPlayer.playing) heardCanvas.draw(heardPlayer.positionMs);
  requestAnimationFrame(frame);
}

function bind(): void {
  byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    keepAdminKey(byId<HTMLInputElement>('admin-key').value.trim());
    loadSessions().catch(failed);
  });
  byId('refresh').addEventListener('click', () => void loadSessions().catch(failed));
  for (const from of ['text', 'audio'] as const) {
    byId(`replay-${from}`).addEventListener('click', () =>
      replay(from).catch((error: unknown) => {
        byId('replay-summary').textContent = '';
        failed(error);
      }),
    );
  }
  byId('play-reply').addEventListener('click', () => void replyPlayer.play(1, 0));
  byId('play-heard').addEventListener('click', () => void heardPlayer.play(1, 0));
  replyPlayer.onEnded = () => replyCanvas.draw(replyPlayer.durationMs);
  heardPlayer.onEnded = () => heardCanvas.draw(heardPlayer.durationMs);
}

async function start(): Promise<void> {
  takeAdminKeyFromLink(params);
  bind();
  requestAnimationFrame(frame);
  if (!storedAdminKey()) {
    askForKey();
    return;
  }
  await loadSessions().catch(failed);
}

void start();
Object.assign(window, {
  studioDebugger: {
    get session() {
      return current;
    },
    get turn() {
      return turn;
    },
  },
});
