import type { ConsentChoice, ConsentState, MemoryFact, SubjectExport } from '@visemo/client';
import { byId, element } from './dom.js';

/** What the panel needs of the SDK client of the current session. */
export interface SubjectDataControls {
  setConsent(choice: ConsentChoice): Promise<ConsentState>;
  exportMyData(): Promise<SubjectExport>;
  listMemory(): Promise<MemoryFact[]>;
  forgetMemory(key: string): Promise<void>;
  eraseMyData(): Promise<unknown>;
}

/** What `session.started` tells the page about the visitor's data. */
export interface SubjectSession {
  storage: boolean;
  consent: ConsentState | null;
  retention: { transcripts: string; audio: string; memory: string };
}

const CATEGORIES = ['transcripts', 'audio', 'memory'] as const;
type Category = (typeof CATEGORIES)[number];

const CATEGORY_TEXT: Record<Category, string> = {
  transcripts: 'the transcript',
  audio: 'voice recordings',
  memory: 'remembered facts',
};

/** "30d" → "30 days"; "forever" stays. */
function retentionText(duration: string): string {
  const match = /^(\d+)([dhm])$/.exec(duration);
  if (!match) return duration;
  const count = Number(match[1]);
  const unit = { d: 'day', h: 'hour', m: 'minute' }[match[2] as 'd' | 'h' | 'm'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/**
 * The visitor's controls over their data (GDPR Art. 7, 15, 17, 20): the consent question before
 * anything is kept past the conversation, "What do you know about me?" (shown and downloadable),
 * forgetting one remembered fact, and "Forget me". Binds to the static HTML of index.html.
 */
export class PrivacyPanel {
  private controls: SubjectDataControls | null = null;
  private consent: ConsentState | null = null;
  /** The last export, for the visitor's download (GDPR Art. 20: in a machine-readable form). */
  private exported: SubjectExport | null = null;

  constructor(
    private readonly events: {
      /** A line for the caption log. */
      notice(text: string): void;
      /** Everything about the visitor was erased: the page starts afresh as a new visitor. */
      erased(): void;
    },
  ) {
    byId('consent-save').addEventListener('click', () => void this.decide(this.chosen()));
    byId('consent-decline').addEventListener(
      'click',
      () => void this.decide({ transcripts: false, audio: false, memory: false }),
    );
    byId('consent-change').addEventListener('click', () => this.ask());
    byId('data-show').addEventListener('click', () => void this.show());
    byId('data-download').addEventListener('click', () => this.download());
    byId('data-erase').addEventListener('click', () => this.confirmErase(true));
    byId('data-erase-cancel').addEventListener('click', () => this.confirmErase(false));
    byId('data-erase-confirm').addEventListener('click', () => void this.erase());
  }

  /** A session started: offer the controls its server supports, and ask once if never asked. */
  attach(controls: SubjectDataControls, session: SubjectSession): void {
    this.controls = controls;
    this.consent = session.consent;
    byId('your-data').hidden = !session.storage;
    for (const category of CATEGORIES) {
      byId(`retention-${category}`).textContent = `(kept ${retentionText(session.retention[category])})`;
    }
    this.showConsent();
    if (session.storage && session.consent === null) this.ask();
    else byId('consent').hidden = true;
  }

  private ask(): void {
    for (const category of CATEGORIES) {
      byId<HTMLInputElement>(`consent-${category}`).checked = this.consent?.[category] ?? false;
    }
    const panel = byId('consent');
    panel.hidden = false;
    byId<HTMLInputElement>('consent-transcripts').focus();
  }

  private chosen(): ConsentChoice {
    return {
      transcripts: byId<HTMLInputElement>('consent-transcripts').checked,
      audio: byId<HTMLInputElement>('consent-audio').checked,
      memory: byId<HTMLInputElement>('consent-memory').checked,
    };
  }

  private async decide(choice: ConsentChoice): Promise<void> {
    if (!this.controls) return;
    try {
      this.consent = await this.controls.setConsent(choice);
      byId('consent').hidden = true;
      this.showConsent();
      this.events.notice(
        CATEGORIES.some((c) => choice[c])
          ? `Saved: ${this.summary()}. Change it under “Your data”.`
          : 'Nothing will be kept after this conversation.',
      );
      byId<HTMLInputElement>('message').focus();
    } catch (error) {
      this.say(`Your choice could not be saved: ${(error as Error).message}`);
    }
  }

  private summary(): string {
    const kept = CATEGORIES.filter((c) => this.consent?.[c]).map((c) => CATEGORY_TEXT[c]);
    return kept.length > 0
      ? `kept after this conversation: ${kept.join(', ')}`
      : 'nothing is kept after this conversation';
  }

  private showConsent(): void {
    const text =
      this.consent === null
        ? 'You have not chosen yet: nothing is kept after this conversation.'
        : this.summary();
    byId('consent-summary').textContent = `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  private async show(): Promise<void> {
    if (!this.controls) return;
    this.say('Looking up what is stored about you…');
    try {
      const [data, facts] = await Promise.all([this.controls.exportMyData(), this.controls.listMemory()]);
      this.render(data, facts);
      this.say('');
    } catch (error) {
      this.say(`Your data could not be fetched: ${(error as Error).message}`);
    }
  }

  private render(data: SubjectExport, facts: MemoryFact[]): void {
    const sessions = data.sessions ?? [];
    const turns = sessions.reduce((sum, s) => sum + (s.turns?.length ?? 0), 0);
    const recordings = data.audio?.length ?? 0;
    const summary = byId('data-summary');
    summary.replaceChildren();
    for (const [term, value] of [
      ['Conversations', String(sessions.length)],
      ['Turns kept', String(turns)],
      ['Voice recordings', String(recordings)],
      ['Remembered facts', String(facts.length)],
    ] as const) {
      summary.append(element('dt', undefined, term), element('dd', undefined, value));
    }
    const list = byId('memory-list');
    list.replaceChildren();
    for (const fact of facts) {
      const item = element('li', 'memory-fact');
      const forget = element('button', 'button quiet', 'Forget');
      forget.type = 'button';
      forget.setAttribute('aria-label', `Forget ${fact.key}`);
      forget.addEventListener('click', () => void this.forget(fact.key, item));
      item.append(
        element('span', 'memory-key', `${fact.key}: `),
        element('span', 'memory-value', fact.value),
        forget,
      );
      list.append(item);
    }
    if (facts.length === 0) list.append(element('li', 'memory-empty', 'Nothing is remembered about you.'));
    this.exported = data;
    byId('data-view').hidden = false;
  }

  private download(): void {
    if (!this.exported) return;
    const url = URL.createObjectURL(
      new Blob([JSON.stringify(this.exported, null, 2)], { type: 'application/json' }),
    );
    const link = element('a');
    link.href = url;
    link.download = 'my-data.json';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  private async forget(key: string, item: HTMLElement): Promise<void> {
    if (!this.controls) return;
    try {
      await this.controls.forgetMemory(key);
      item.remove();
      this.say(`Forgotten: ${key}.`);
    } catch (error) {
      this.say(`That could not be forgotten: ${(error as Error).message}`);
    }
  }

  private confirmErase(asking: boolean): void {
    byId('data-erase').hidden = asking;
    byId('data-erase-confirmation').hidden = !asking;
    (asking ? byId('data-erase-cancel') : byId('data-erase')).focus();
  }

  private async erase(): Promise<void> {
    if (!this.controls) return;
    try {
      await this.controls.eraseMyData();
      this.confirmErase(false);
      byId('data-view').hidden = true;
      this.exported = null;
      this.consent = null;
      this.say('Everything stored about you has been erased.');
      this.events.erased();
    } catch (error) {
      this.say(`Your data could not be erased: ${(error as Error).message}`);
    }
  }

  private say(text: string): void {
    byId('data-notice').textContent = text;
  }
}
