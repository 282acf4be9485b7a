import {
  type ClientEvent,
  type ConnectionStatus,
  type SessionStartedEvent,
  type TurnLatency,
  VisemoClient,
} from '@visemo/client';
import type { Expression, VisemeCue } from '@visemo/core';
import { type AvatarLookSpec, CHARACTER_NAMES, type CharacterName } from '@visemo/core/avatar-look';
import { AbsentAvatar, type AvatarActivity, type AvatarView } from './avatar-view.js';
import { CaptionLog } from './caption-log.js';
import { byId, isOwnKeyTarget } from './dom.js';
import { MessageLength } from './message-length.js';
import { PeoplePanel } from './people-panel.js';
import { PrivacyPanel } from './privacy-panel.js';

import type { SyncProbe } from './sync-probe.js';

export interface ConversationPageOptions {
  /** The server's WebSocket endpoint. */
  serverUrl: string;
  /** Fetches a session token before each connect (docs/security.md); absent for an open server. */
  token?: () => Promise<string>;
  /**
   * Loads the avatar renderer (3D, or the 2D face without WebGL). `choice` settles once the session
   * has told its features and the agent's look: the renderer's code can load meanwhile.
   */
  loadRenderer: (
    host: HTMLElement,
    reducedMotion: boolean,
    choice: Promise<RendererChoice>,
  ) => Promise<AvatarView>;
  /** Records lip-sync timing for measurement (`?probe=sync`). */
  probe?: SyncProbe;
  /** Remembers (or forgets, with `null`) the visitor's pseudonymous id, for the next visit's token. */
  rememberSubject?: (subjectId: string | null) => void;
  /** The visitor's name (`?name=`): speaker labels, and the agent addresses them by it among several. */
  name?: string;
  /** Join someone's conversation (`?join=SESSION&invite=CODE`) instead of starting one. */
  join?: { sessionId: string; invite: string };
  /** Sees every SDK event of every session, from the first (`?trace`). */
  onEvent?: (event: ClientEvent, client: VisemoClient) => void;
}

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: no network',
  closed: 'Offline',
};

const ACTIVITY_TEXT: Record<AvatarActivity, string> = {
  idle: 'Ask a question by voice or in writing.',
  listening: 'Listening…',
  thinking: 'Thinking…',
  speaking: 'Speaking',
};

const LATENCY_HOPS: [keyof TurnLatency | 'inputToAudioMs', string][] = [
  ['asrFinalMs', 'Speech recognition'],
  ['nluMs', 'Understanding'],
  ['dialogueMs', 'Finding the answer'],
  ['ttsFirstAudioMs', 'Voice synthesis (first audio)'],
  ['speechEndToFirstAudioMs', 'Server: end of input → first audio'],
  ['inputToAudioMs', 'This device: end of input → first sound'],
];

type AgentLook = NonNullable<SessionStartedEvent['agent']['look']>;

/** What the session decides about the avatar: whether it may be 3D, and how it looks. */
export interface RendererChoice {
  allow3d: boolean;
  look?: AvatarLookSpec;
}

/** Scheduled mouth shapes kept for handing over to a renderer that loads mid-sentence. */
interface ScheduledVisemes {
  cues: VisemeCue[];
  startTimeSec: number;
  endSec: number;
}

/**
 * The conversation page: wires the SDK's events to the avatar, the captions and the controls.
 * The DOM is static HTML (index.html); this class only binds to it.
 */
export class ConversationPage {
  private client: VisemoClient;
  private avatar: AvatarView;
  private readonly log = new CaptionLog(byId<HTMLOListElement>('log'));
  private readonly privacy = new PrivacyPanel({
    notice: (text) => this.log.notice(text),
    erased: () => void this.startAsNewVisitor(),
  });
  private readonly messageLength = new MessageLength();
  private readonly people = new PeoplePanel();
  private readonly reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  private readonly context: AudioContext | null;
  private readonly output: GainNode | null;
  private textOnly = false;
  private activity: AvatarActivity = 'idle';
  private userSpeaking = false;
  private awaitingReply = false;
  private agentSpeaking = false;
  private level = 0;
  private frameSec = 1 / 60;
  private lastFrame = 0;
  private subtitleTimer: ReturnType<typeof setTimeout> | null = null;
  private scheduled: ScheduledVisemes[] = [];
  /** The expression last shown, for a renderer that loads after it (the greeting's, often). */
  private expression: { name: Expression; intensity: number } | null = null;
  /** Per turn, the heard time of its first mouth shape, until a frame has drawn it. */
  private readonly firstVisemeDue = new Map<number, number>();
  private unsubscribe: (() => void)[] = [];
  /** The session's avatar capabilities (`session.started.features`); absent ones are on. */
  private features: Readonly<Record<string, boolean>> = {};
  /** Whether the renderer loaded (or loading) may be the 3D one; null before the first load. */
  private rendererAllows3d: boolean | null = null;
  private look: AvatarLookSpec | undefined;
  /** The agent's own avatar file, shown where the renderer draws in 3D. */
  private agentModel: string | null = null;
  private readonly firstChoice: Promise<RendererChoice>;
  private settleFirstChoice: (choice: RendererChoice) => void = () => undefined;

  constructor(private readonly options: ConversationPageOptions) {
    this.avatar = new AbsentAvatar();
    this.context =
      typeof AudioContext === 'function' ? new AudioContext({ latencyHint: 'interactive' }) : null;
    this.output = this.context ? this.context.createGain() : null;
    if (this.context && this.output) {
      this.output.connect(this.context.destination);
      options.probe?.attachAudio(this.context, this.output);
    }
    this.textOnly = !this.context;
    setSwitch('text-only', this.textOnly);
    this.firstChoice = new Promise((resolve) => {
      this.settleFirstChoice = resolve;
    });
    this.client = this.createClient();
  }

  /** The SDK client of the current session (replaced when the mode changes). */
  get sdk(): VisemoClient {
    return this.client;
  }

  get renderer(): AvatarView {
    return this.avatar;
  }

  /** Binds the controls, starts the frame loop and connects. */
  start(): void {
    this.bindComposer();
    this.bindVoiceControls();
    this.bindSettings();
    this.bindAudioUnlock();
    this.applyMode();
    requestAnimationFrame((t) => this.frame(t));
    void this.connect();
    void this.loadRenderer(this.firstChoice);
  }

  // ---- client -----------------------------------------------------------------------------------

  private createClient(): VisemoClient {
    const client = new VisemoClient({
      url: this.options.serverUrl,
      ...(this.options.token ? { token: this.options.token } : {}),
      audio: !this.textOnly,
      // A session opened by switching modes continues the page's conversation: no second greeting.
      greet: byId('log').childElementCount === 0,
      ...(this.context && this.output && !this.textOnly
        ? { audioContext: this.context, output: this.output }
        : {}),
      drawsVisemes: !this.textOnly,
      ...(this.options.name ? { name: this.options.name } : {}),
      ...(this.options.join ? { join: this.options.join } : {}),
    });
    const on = this.unsubscribe;
    const trace = this.options.onEvent;
    if (trace) on.push(client.onAny((event) => trace(event, client)));
    on.push(
      client.on('status', (e) => this.showStatus(e.status, e.delayMs)),
      client.on('text.queued', (e) => this.log.userQueued(e.id, e.text)),
      client.on('text.sent', (e) => this.log.userSent(e.id)),
      client.on('session.started', (e) => {
        this.log.newSession();
        this.log.setSelf(e.participant?.id ?? null);
        this.people.show(client.participant, client.participants, client.invite);
        this.showAgent(e.agent.name);
        this.log.setLanguage(e.agent.language);
        byId('subtitle').lang = e.agent.language;
        this.applyLook(e.agent.look);
        this.applyFeatures(e.features ?? {});
        this.messageLength.setLimit(e.limits.maxTextChars);
        if (e.subject) this.options.rememberSubject?.(e.subject.id);
        this.privacy.attach(client, {
          storage: e.storage === true,
          consent: e.subject?.consent ?? null,
          retention: e.privacy?.retention ?? { transcripts: '—', audio: '—', memory: '—' },
        });
      }),
      client.on('caption', (e) => {
        if (e.speaker === 'user') {
          if (e.final) {
            this.awaitingReply = true;
            this.userSpeaking = false;
          }
          return e.final
            ? this.log.userFinal(e.turnId, e.text, e.text !== '', e.by)
            : this.log.userPartial(e.turnId, e.text, e.by);
        }
        this.awaitingReply = false;
        this.log.agentSentence(e.turnId, e.text);
        this.showSubtitle(e.text);
        this.refreshActivity();
      }),
      client.on('transcript.final', (e) => {
        if (!e.understood) this.log.userFinal(e.turnId, e.text, false, e.speaker);
        this.refreshActivity();
      }),
      client.on('participant.joined', (e) => {
        this.people.update(client.participant, client.participants);
        this.log.notice(`${e.participant.name} joined the conversation.`);
      }),
      client.on('participant.left', (e) => {
        this.people.update(client.participant, client.participants);
        this.log.notice(`${e.participant.name} left the conversation.`);
      }),
      // A page that joins a conversation is told what was said before it came.
      client.on('transcript', (e) => {
        if (this.options.join && byId('log').querySelector('.entry.user, .entry.agent') === null) {
          this.log.history(e.entries);
        }
      }),
      client.on('vad', (e) => {
        this.userSpeaking = e.state === 'speech-start';
        this.refreshActivity();
      }),
      client.on('visemes', (e) => {
        // The words let the face nod at "yes", shake at "no" and shrug as a question ends.
        this.avatar.scheduleVisemes(e.cues, e.startTimeSec, { text: e.text, words: e.words });
        this.expectFirstViseme(e.turnId, e.cues, e.startTimeSec);
        this.remember(e.cues, e.startTimeSec);
        this.options.probe?.onVisemes(e.cues, e.startTimeSec);
      }),
      client.on('audio.scheduled', (e) => this.options.probe?.onAudio(e.buffer, e.startTimeSec)),
      client.on('expression.show', (e) => {
        this.expression = { name: e.expression, intensity: e.intensity };
        if (this.has('expressions')) this.avatar.setExpression(e.expression, e.intensity);
      }),
      client.on('playback.start', (e) => {
        this.agentSpeaking = true;
        this.options.probe?.onPlaybackStart(e.turnId, e.atPerfMs);
        this.refreshActivity();
      }),
      client.on('playback.end', (e) => {
        this.agentSpeaking = false;
        if (e.interrupted) {
          this.avatar.stopVisemes(client.currentTime);
          this.options.probe?.onFlush(client.currentTime);
          this.scheduled = [];
          this.log.agentInterrupted(e.turnId, e.heardText);
          this.showSubtitle('');
        } else {
          this.clearSubtitleSoon();
        }
        this.refreshActivity();
      }),
      client.on('interrupted', (e) => this.log.agentInterrupted(e.turnId)),
      client.on('turn.end', (e) => {
        if (e.interrupted) this.log.agentInterrupted(e.turnId);
        // Ratings are kept with the turn: a server that keeps nothing is not asked for them.
        if (client.session?.storage === true) {
          this.log.offerRating(e.turnId, (rating) => this.rate(client, e.turnId, rating));
        }
        this.awaitingReply = false;
        this.refreshActivity();
      }),
      // The greeting answers no question: its figures would not be a response time.
      client.on('latency', (e) => {
        if (e.turnId > 0) this.showLatency(e.server, e.inputToAudioMs);
      }),
      client.on('feedback', (e) => this.log.showRating(e.turnId, e.rating)),
      client.on('handoff', () => {
        byId('handoff').hidden = false;
      }),
      client.on('microphone', (e) => {
        const button = byId('talk-button');
        button.setAttribute('aria-pressed', String(e.talking));
        byId('talk-label').textContent = e.talking ? 'Listening… release to send' : 'Hold to talk';
        byId('mic-state').textContent = e.active ? 'Microphone on' : 'Microphone off';
        this.refreshActivity();
      }),
      client.on('microphone.level', (e) => {
        this.level = e.rms;
      }),
      client.on('error', (e) => this.log.notice(`${e.message}`, { error: true })),
      client.on('client.error', (e) => {
        if (e.code === 'bad_audio' && e.message.startsWith('microphone')) return;
        this.log.notice(e.message, { error: true });
      }),
      client.on('session.ended', (e) => {
        if (e.reason === 'client') return;
        this.log.notice('The conversation has ended.', {
          action: { label: 'Start again', run: () => void this.connect() },
        });
      }),
    );
    return client;
  }

  private rate(client: VisemoClient, turnId: number, rating: 'up' | 'down'): void {
    try {
      client.rateAnswer(turnId, rating);
    } catch (error) {
      this.log.showRating(turnId, null);
      this.log.notice(error instanceof Error ? error.message : String(error), { error: true });
    }
  }

  private async connect(): Promise<void> {
    try {
      await this.client.connect();
      this.offerStartIfMuted();
    } catch {
      // Without a session there are no features to wait for: the avatar loads as it would.
      this.settleFirstChoice({ allow3d: true });
      this.log.notice('The assistant cannot be reached right now.', {
        error: true,
        action: { label: 'Try again', run: () => void this.connect() },
      });
    }
  }

  /** After "Forget me": the erased visitor's session ends and a new, unknown visitor's begins. */
  private async startAsNewVisitor(): Promise<void> {
    this.options.rememberSubject?.(null);
    for (const off of this.unsubscribe.splice(0)) off();
    const previous = this.client;
    this.agentSpeaking = false;
    this.avatar.stopVisemes(previous.currentTime);
    this.scheduled = [];
    await previous.end();
    this.log.notice('You are now a new visitor: nothing is known about you.');
    this.client = this.createClient();
    this.showStatus('connecting');
    await this.connect();
  }

  private async switchMode(textOnly: boolean): Promise<void> {
    if (textOnly === this.textOnly) return;
    for (const off of this.unsubscribe.splice(0)) off();
    const previous = this.client;
    this.agentSpeaking = false;
    this.avatar.stopVisemes(previous.currentTime);
    this.scheduled = [];
    await previous.end();
    this.textOnly = textOnly;
    // The microphone belonged to the old session; voice starts again in push-to-talk.
    setSwitch('hands-free', false);
    byId('talk-button').hidden = false;
    byId('listening').hidden = true;
    byId('talk-help').textContent = 'Hold the button or the Space bar while you speak.';
    this.applyMode();
    this.log.notice(textOnly ? 'Text only: captions without sound.' : 'Voice is on.');
    this.client = this.createClient();
    this.showStatus('connecting');
    await this.connect();
  }

  // ---- controls ---------------------------------------------------------------------------------

  private bindComposer(): void {
    const form = byId<HTMLFormElement>('composer');
    const input = byId<HTMLInputElement>('message');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || !this.messageLength.allows(text)) {
        input.focus();
        return;
      }
      void this.client.resumeAudio();
      try {
        const { queued } = this.client.sendText(text);
        input.value = '';
        // A queued message shows in the log as waiting; its answer is not being worked on yet.
        if (queued) return;
        this.awaitingReply = true;
        this.refreshActivity();
      } catch (error) {
        this.log.notice(error instanceof Error ? error.message : String(error), { error: true });
      }
    });
  }

  private bindVoiceControls(): void {
    const talk = byId<HTMLButtonElement>('talk-button');
    const press = () => void this.pressTalk();
    const release = () => this.client.stopTalking();
    talk.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      talk.setPointerCapture(event.pointerId);
      press();
    });
    talk.addEventListener('pointerup', release);
    talk.addEventListener('pointercancel', release);
    talk.addEventListener('lostpointercapture', release);
    // Hold Space or Enter on the focused button; Space anywhere else that does not take keys itself.
    talk.addEventListener('keydown', (event) => {
      if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
        event.preventDefault();
        press();
      }
    });
    talk.addEventListener('keyup', (event) => {
      if (event.key === ' ' || event.key === 'Enter') {
        event.preventDefault();
        release();
      }
    });
    talk.addEventListener('blur', release);
    document.addEventListener('keydown', (event) => {
      if (event.key !== ' ' || event.repeat || isOwnKeyTarget(event.target) || talk.disabled || talk.hidden)
        return;
      if (this.textOnly) return;
      event.preventDefault();
      press();
    });
    document.addEventListener('keyup', (event) => {
      if (event.key === ' ' && !isOwnKeyTarget(event.target)) release();
    });
    // A click on the button (e.g. by a switch device) with no hold: nothing to send. A long touch
    // must not open the context menu.
    talk.addEventListener('click', (event) => event.preventDefault());
    talk.addEventListener('contextmenu', (event) => event.preventDefault());

    byId('hands-free').addEventListener('click', () => {
      void this.setHandsFree(!isSwitchOn('hands-free'));
    });
    byId('stop-button').addEventListener('click', () => this.client.interrupt());
  }

  private async pressTalk(): Promise<void> {
    void this.client.resumeAudio();
    this.client.startTalking();
    await this.openMicrophone('push-to-talk');
  }

  private async setHandsFree(wanted: boolean): Promise<void> {
    let on = wanted;
    setSwitch('hands-free', on);
    if (on) {
      this.client.setMicrophoneMode('hands-free');
      on = await this.openMicrophone('hands-free');
      setSwitch('hands-free', on);
    } else {
      this.client.setMicrophoneMode('push-to-talk');
    }
    byId('talk-button').hidden = on;
    byId('listening').hidden = !on;
    byId('talk-help').textContent = on
      ? 'Speak at any time; talking over the assistant stops it.'
      : 'Hold the button or the Space bar while you speak.';
    this.refreshActivity();
  }

  private async openMicrophone(mode: 'push-to-talk' | 'hands-free'): Promise<boolean> {
    const notice = byId('mic-notice');
    try {
      await this.client.startMicrophone(mode);
      notice.hidden = true;
      return true;
    } catch {
      this.client.stopTalking();
      notice.textContent =
        'The microphone is not available. Check the browser’s permission, or type instead.';
      notice.hidden = false;
      setSwitch('hands-free', false);
      return false;
    }
  }

  private bindSettings(): void {
    byId('text-only').addEventListener('click', () => {
      void this.switchMode(!isSwitchOn('text-only'));
    });
    const choice = byId<HTMLSelectElement>('avatar-choice');
    const file = byId<HTMLInputElement>('avatar-file');
    choice.addEventListener('change', () => {
      if (choice.value === 'file') file.click();
      else void this.avatar.useBuiltIn().then(() => this.replayVisemes());
    });
    file.addEventListener('change', () => {
      const picked = file.files?.[0];
      if (picked) void this.loadModel(picked);
      else choice.value = 'built-in';
      file.value = '';
    });
    const frame = byId('avatar-frame');
    const hint = byId('drop-hint');
    frame.addEventListener('dragover', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      frame.classList.add('dragging');
      hint.hidden = false;
    });
    const leave = () => {
      frame.classList.remove('dragging');
      hint.hidden = true;
    };
    frame.addEventListener('dragleave', leave);
    frame.addEventListener('drop', (event) => {
      event.preventDefault();
      leave();
      const dropped = event.dataTransfer?.files[0];
      if (dropped) void this.loadModel(dropped);
    });
  }

  private async loadModel(file: File): Promise<void> {
    const choice = byId<HTMLSelectElement>('avatar-choice');
    if (!this.has('renderer3d')) {
      this.log.notice('3D characters are turned off on this site: the built-in face stays.', { error: true });
      choice.value = 'built-in';
      return;
    }
    if (!/\.(vrm|glb|gltf)$/i.test(file.name)) {
      this.log.notice(`${file.name} is not a VRM or GLB file.`, { error: true });
      choice.value = 'built-in';
      return;
    }
    if (this.avatar.modelRenderer === 'cpu') {
      // The 2D face is shown because WebGL runs in software here; the visitor may still want it.
      choice.value = 'built-in';
      this.log.notice(
        `${file.name} needs the 3D view. WebGL runs on the CPU here, not on a graphics card, so the 3D view will be slow (a few frames a second).`,
        { action: { label: 'Show it in 3D anyway', run: () => void this.showModel(file) } },
      );
      return;
    }
    await this.showModel(file);
  }

  private async showModel(file: File): Promise<void> {
    const choice = byId<HTMLSelectElement>('avatar-choice');
    try {
      await this.avatar.loadModel(file);
      choice.value = 'file';
      this.log.notice(`Avatar: ${file.name}`);
    } catch (error) {
      choice.value = 'built-in';
      const reason = error instanceof Error ? error.message : String(error);
      this.log.notice(`${file.name} could not be shown: ${reason}`, { error: true });
    }
  }

  /** Browsers keep audio muted until the person interacts; the first interaction unmutes it. */
  private bindAudioUnlock(): void {
    const unlock = () => {
      void this.client.resumeAudio().then(() => this.hideStartOverlay());
    };
    document.addEventListener('pointerdown', unlock, { capture: true });
    document.addEventListener('keydown', unlock, { capture: true });
    byId('start-button').addEventListener('click', () => {
      unlock();
      byId('message').focus();
    });
  }

  private offerStartIfMuted(): void {
    const context = this.client.audioContext;
    if (!context) return;
    // Chromium starts a context "suspended" and switches to "running" a moment later when
    // autoplay is allowed; only a context still suspended after that needs the person.
    setTimeout(() => {
      if (context.state !== 'suspended') return;
      byId('start-overlay').hidden = false;
      byId('start-button').focus();
    }, 400);
  }

  private hideStartOverlay(): void {
    byId('start-overlay').hidden = true;
  }

  private applyMode(): void {
    byId('voice-controls').hidden = this.textOnly;
    setSwitch('text-only', this.textOnly);
    if (this.textOnly) this.hideStartOverlay();
  }

  // ---- renderer ---------------------------------------------------------------------------------

  private async loadRenderer(choice: Promise<RendererChoice>): Promise<void> {
    let renderer: AvatarView;
    try {
      renderer = await this.options.loadRenderer(byId('avatar-host'), this.reducedMotion, choice);
    } catch (error) {
      // The conversation goes on with captions and voice.
      console.warn('the avatar could not be loaded', error);
      return;
    }
    const previous = this.avatar;
    this.avatar = renderer;
    previous.dispose();
    renderer.setState(this.activity);
    if (this.expression && this.has('expressions')) {
      renderer.setExpression(this.expression.name, this.expression.intensity);
    }
    this.replayVisemes();
    if (this.agentModel && renderer.renderer === 'webgl')
      await this.showAgentModel(renderer, this.agentModel);
  }

  /** The agent's own character file, in place of the built-in one; the built-in stays if it fails. */
  private async showAgentModel(renderer: AvatarView, url: string): Promise<void> {
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const name = new URL(url).pathname.split('/').pop() ?? 'avatar';
      await renderer.loadModel(new File([await response.blob()], `${name}.glb`));
      this.replayVisemes();
    } catch (error) {
      console.warn('the agent’s avatar could not be shown', error);
    }
  }

  /** Gives a new renderer the mouth shapes already scheduled for audio still to come. */
  private replayVisemes(): void {
    const now = this.client.currentTime;
    for (const s of this.scheduled) if (s.endSec > now) this.avatar.scheduleVisemes(s.cues, s.startTimeSec);
  }

  private remember(cues: VisemeCue[], startTimeSec: number): void {
    const last = cues[cues.length - 1];
    const endSec = startTimeSec + (last ? last.endMs / 1000 : 0);
    const now = this.client.currentTime;
    this.scheduled = this.scheduled.filter((s) => s.endSec > now);
    this.scheduled.push({ cues, startTimeSec, endSec });
  }

  // ---- rendering --------------------------------------------------------------------------------

  private frame(timestamp: number): void {
    if (this.lastFrame > 0) {
      const delta = (timestamp - this.lastFrame) / 1000;
      // Smoothed frame interval; a long pause (background tab) is not a frame rate.
      if (delta > 0 && delta < 0.1) this.frameSec += (delta - this.frameSec) * 0.1;
    }
    this.lastFrame = timestamp;
    // A frame drawn now reaches the screen about one frame later and stays there for one frame:
    // show the mouth for the middle of that interval, so the error is at most half a frame.
    const heard = this.client.currentTime;
    const showAt = heard + this.frameSec * 1.5;
    this.avatar.update(showAt);
    this.reportVisemesDrawn(showAt);
    this.options.probe?.onFrame(heard, showAt, this.frameSec, this.avatar.visemeWeights());
    const fill = byId('meter-fill');
    // Speech RMS sits between about 0.01 and 0.3: a log scale from -50 dBFS to -10 dBFS fills the bar.
    const db = this.level > 0 ? 20 * Math.log10(this.level) : -100;
    const amount = Math.min(1, Math.max(0, (db + 50) / 40));
    fill.style.transform = `scaleX(${amount.toFixed(3)})`;
    requestAnimationFrame((t) => this.frame(t));
  }

  // ---- features ---------------------------------------------------------------------------------

  private has(feature: 'renderer3d' | 'expressions' | 'handsFree'): boolean {
    return this.features[feature] !== false;
  }

  /** The agent's look: its character and colours, or its own model file (a URL on its server). */
  private applyLook(look: AgentLook | undefined): void {
    if (!look) return;
    const { model, character, ...colours } = look;
    // A character a newer server knows and this page does not: the default one, in the colours asked.
    const known = CHARACTER_NAMES.find((name): name is CharacterName => name === character);
    this.look = { ...colours, ...(known ? { character: known } : {}) };
    this.agentModel = model ? httpUrl(model, this.options.serverUrl) : null;
  }

  /** Honours the capabilities the server's flags gave this session. */
  private applyFeatures(features: Readonly<Record<string, boolean>>): void {
    this.features = features;
    const allow3d = this.has('renderer3d');
    const choice: RendererChoice = { allow3d, ...(this.look ? { look: this.look } : {}) };
    if (this.rendererAllows3d === null) {
      this.rendererAllows3d = allow3d;
      this.settleFirstChoice(choice);
    } else if (this.rendererAllows3d !== allow3d) {
      this.rendererAllows3d = allow3d;
      void this.loadRenderer(Promise.resolve(choice));
    }
    // A model file is a 3D character: not offered where the 3D renderer is not.
    const fromFile = byId('avatar-choice').querySelector<HTMLOptionElement>('option[value="file"]');
    if (fromFile) fromFile.hidden = fromFile.disabled = !allow3d;
    if (!this.has('expressions')) this.avatar.setExpression('neutral', 0);
    const handsFree = byId('hands-free');
    handsFree.hidden = !this.has('handsFree');
    if (handsFree.hidden && isSwitchOn('hands-free')) void this.setHandsFree(false);
  }

  // ---- timing -----------------------------------------------------------------------------------

  /** Remembers when a turn's first mouth shape (its first one that is not silence) is heard. */
  private expectFirstViseme(turnId: number, cues: readonly VisemeCue[], startTimeSec: number): void {
    if (this.firstVisemeDue.has(turnId)) return;
    const first = cues.find((cue) => cue.viseme !== 'sil') ?? cues[0];
    if (!first) return;
    this.firstVisemeDue.set(turnId, startTimeSec + first.startMs / 1000);
    // Only the current reply can still be drawn; an older one's entry is stale.
    for (const id of this.firstVisemeDue.keys()) if (id < turnId) this.firstVisemeDue.delete(id);
  }

  /** Tells the SDK which turns' first mouth shape the frame just drawn shows. */
  private reportVisemesDrawn(showAt: number): void {
    if (this.avatar instanceof AbsentAvatar) return;
    for (const [turnId, dueSec] of this.firstVisemeDue) {
      if (dueSec > showAt) continue;
      this.firstVisemeDue.delete(turnId);
      this.client.visemeDrawn(turnId);
    }
  }

  private refreshActivity(): void {
    const talking = this.client.isTalking || this.userSpeaking;
    const activity: AvatarActivity = this.agentSpeaking
      ? 'speaking'
      : talking
        ? 'listening'
        : this.awaitingReply
          ? 'thinking'
          : 'idle';
    byId('stop-button').hidden = !this.agentSpeaking;
    if (activity === this.activity) return;
    this.activity = activity;
    this.avatar.setState(activity);
    byId('activity').textContent = ACTIVITY_TEXT[activity];
  }

  private showStatus(status: ConnectionStatus, delayMs?: number): void {
    const pill = byId('status');
    pill.dataset.status = status;
    byId('status-text').textContent =
      status === 'reconnecting' && delayMs !== undefined
        ? `Reconnecting in ${Math.max(1, Math.round(delayMs / 1000))} s…`
        : STATUS_TEXT[status];
    const open = status === 'open';
    // Typed text waits in the SDK while the connection comes back; speech cannot.
    byId<HTMLButtonElement>('send-button').disabled = status === 'idle' || status === 'closed';
    byId<HTMLButtonElement>('talk-button').disabled = !open;
    if (status === 'closed' && !this.client.session) {
      this.agentSpeaking = false;
      this.refreshActivity();
    }
  }

  private showAgent(name: string): void {
    byId('agent-name').textContent = name;
    byId('agent-initial').textContent = name.slice(0, 1).toUpperCase();
    document.title = `${name} — virtual assistant`;
    this.log.setAgentName(name);
    if (this.activity === 'idle') byId('activity').textContent = ACTIVITY_TEXT.idle;
  }

  private showSubtitle(text: string): void {
    if (this.subtitleTimer) clearTimeout(this.subtitleTimer);
    this.subtitleTimer = null;
    byId('subtitle').textContent = text;
  }

  private clearSubtitleSoon(): void {
    if (this.subtitleTimer) clearTimeout(this.subtitleTimer);
    this.subtitleTimer = setTimeout(() => this.showSubtitle(''), 2500);
  }

  private showLatency(server: TurnLatency, inputToAudioMs: number | undefined): void {
    const headline = inputToAudioMs ?? server.speechEndToFirstAudioMs;
    byId('latency-summary').textContent = headline === undefined ? '—' : formatMs(headline);
    const list = byId('latency-hops');
    list.replaceChildren();
    const values: Record<string, number | undefined> = { ...server, inputToAudioMs };
    for (const [key, label] of LATENCY_HOPS) {
      const value = values[key];
      if (value === undefined) continue;
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = formatMs(value);
      list.append(dt, dd);
    }
  }
}

/** An http(s) URL for a path on the server of a ws(s) endpoint. */
function httpUrl(path: string, serverUrl: string): string {
  const base = new URL(serverUrl);
  base.protocol = base.protocol === 'wss:' ? 'https:' : 'http:';
  return new URL(path, base).href;
}

function isSwitchOn(id: string): boolean {
  return byId(id).getAttribute('aria-checked') === 'true';
}

function setSwitch(id: string, on: boolean): void {
  byId(id).setAttribute('aria-checked', String(on));
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
