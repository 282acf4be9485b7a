import type { FeedbackRating } from '@visemo/client';
import { AnswerRating } from './answer-rating.js';
import { element } from './dom.js';

/** Who said a user caption, in a conversation of several people. */
export interface CaptionSpeaker {
  id: string;
  name: string;
}

interface Entry {
  item: HTMLLIElement;
  who: HTMLSpanElement;
  text: HTMLSpanElement;
  rating?: AnswerRating;
}

/**
 * The conversation as captions, one entry per speaker and turn, in an ARIA live log. A user's
 * partial transcript is shown but hidden from assistive technology until it is final, so a
 * screen reader announces each utterance once rather than every partial guess.
 */
export class CaptionLog {
  private readonly entries = new Map<string, Entry>();
  /** Answers ended before their first caption was heard, by turn. */
  private readonly pendingRatings = new Map<number, (rating: FeedbackRating) => void>();
  /** The visitor's typed messages waiting to be sent, by the SDK's id. */
  private readonly queued = new Map<number, HTMLLIElement>();
  private agentName = 'Assistant';
  private language = '';
  /** This page's own participant: its captions say "(you)". */
  private selfId: string | null = null;

  constructor(private readonly list: HTMLOListElement) {}

  setAgentName(name: string): void {
    this.agentName = name;
  }

  /**
   * The language the conversation is in (the agent's `persona.language`): each caption's text is
   * marked with it, so a screen reader reads French captions in French, whatever the page's own.
   */
  setLanguage(tag: string): void {
    this.language = tag;
    for (const entry of this.entries.values()) entry.text.lang = tag;
  }

  setSelf(participantId: string | null): void {
    this.selfId = participantId;
  }

  userPartial(turnId: number, text: string, by?: CaptionSpeaker): void {
    const entry = this.entry('user', turnId, by);
    entry.item.classList.add('partial');
    entry.item.setAttribute('aria-hidden', 'true');
    entry.text.textContent = text;
    this.reveal(entry);
  }

  userFinal(turnId: number, text: string, understood: boolean, by?: CaptionSpeaker): void {
    const entry = this.entry('user', turnId, by);
    entry.item.classList.remove('partial');
    entry.item.removeAttribute('aria-hidden');
    entry.text.textContent = understood && text ? text : text || '(not understood)';
    this.reveal(entry);
  }

  /** A typed message that waits for the connection: shown at once, marked as not sent yet. */
  userQueued(id: number, text: string): void {
    const item = element('li', 'entry user queued');
    const state = element('span', 'queued-state', 'Waiting to send');
    item.append(element('span', 'who', 'You'), element('span', 'text', text), state);
    this.list.append(item);
    this.queued.set(id, item);
    this.scroll();
  }

  /** The waiting message went; the server's transcript of it takes its place in the log. */
  userSent(id: number): void {
    this.queued.get(id)?.remove();
    this.queued.delete(id);
  }

  /** Appends a sentence the agent is saying now. */
  agentSentence(turnId: number, sentence: string): void {
    const entry = this.entry('agent', turnId);
    entry.text.textContent = entry.text.textContent ? `${entry.text.textContent} ${sentence}` : sentence;
    this.reveal(entry);
  }

  /** The agent was cut off; `heardText`, when known, replaces the sentences with the words heard. */
  agentInterrupted(turnId: number, heardText?: string): void {
    const entry = this.entries.get(`agent:${turnId}`);
    if (!entry) return;
    entry.item.classList.add('interrupted');
    if (heardText !== undefined) entry.text.textContent = heardText;
  }

  /**
   * The agent's answer of `turnId` is complete: thumbs up and down under it, once. Its captions
   * may still be to come (they follow the audio as it is heard): the buttons wait for them.
   */
  offerRating(turnId: number, rate: (rating: FeedbackRating) => void): void {
    const entry = this.entries.get(`agent:${turnId}`);
    if (!entry) {
      this.pendingRatings.set(turnId, rate);
      return;
    }
    if (entry.rating) return;
    entry.rating = new AnswerRating(rate);
    entry.item.append(entry.rating.group);
  }

  /** The server has stored a rating (or refused it: null shows none). */
  showRating(turnId: number, rating: FeedbackRating | null): void {
    this.entries.get(`agent:${turnId}`)?.rating?.show(rating);
  }

  /** A line about the conversation itself: errors, reconnections, hand-offs. */
  notice(text: string, options: { error?: boolean; action?: { label: string; run: () => void } } = {}): void {
    const item = element('li', options.error ? 'entry system error' : 'entry system', text);
    if (options.action) {
      const { label, run } = options.action;
      const button = element('button', 'button quiet', label);
      button.type = 'button';
      button.addEventListener('click', () => {
        button.disabled = true;
        run();
      });
      item.append(' ', button);
    }
    this.list.append(item);
    this.scroll();
  }

  /** A new session starts: turn numbers begin again, so older entries must not be reused. */
  newSession(): void {
    this.entries.clear();
    this.pendingRatings.clear();
  }

  /**
   * The conversation so far, as a page that joins it receives it: the people's words with their
   * names, and what was heard of the agent's answers.
   */
  history(
    entries: readonly { turnId: number; role: 'user' | 'agent'; text: string; speaker?: CaptionSpeaker }[],
  ): void {
    for (const e of entries) {
      if (e.role === 'agent') this.agentSentence(e.turnId, e.text);
      else this.userFinal(e.turnId, e.text, e.text !== '', e.speaker);
    }
  }

  /** Two people may speak at once: a user's caption is theirs and the turn's. */
  private entry(speaker: 'user' | 'agent', turnId: number, by?: CaptionSpeaker): Entry {
    const key = by ? `${speaker}:${turnId}:${by.id}` : `${speaker}:${turnId}`;
    let entry = this.entries.get(key);
    const unnamed = by && !entry ? this.entries.get(`${speaker}:${turnId}`) : undefined;
    if (unnamed && by) {
      // A voice told apart on one microphone is named with the final transcript, after its partials.
      this.entries.delete(`${speaker}:${turnId}`);
      this.entries.set(key, unnamed);
      unnamed.who.textContent = this.userLabel(by);
      entry = unnamed;
    }
    if (!entry) {
      const other = by !== undefined && by.id !== this.selfId;
      const item = element('li', `entry ${speaker}${other ? ' other' : ''}`);
      const who = element('span', 'who', speaker === 'user' ? this.userLabel(by) : this.agentName);
      const text = element('span', 'text');
      if (this.language) text.lang = this.language;
      item.append(who, text);
      this.list.append(item);
      entry = { item, who, text };
      this.entries.set(key, entry);
      const rate = speaker === 'agent' ? this.pendingRatings.get(turnId) : undefined;
      if (rate) {
        this.pendingRatings.delete(turnId);
        this.offerRating(turnId, rate);
      }
    }
    return entry;
  }

  private userLabel(by: CaptionSpeaker | undefined): string {
    if (!by) return 'You';
    return by.id === this.selfId ? `${by.name} (you)` : by.name;
  }

  /** Entries stay where they were created (moving a node in a live region re-announces it). */
  private reveal(_entry: Entry): void {
    this.scroll();
  }

  /** The list sits in the scrolling live region (`role="log"` on the list would unmake its items). */
  private scroll(): void {
    const region = this.list.parentElement ?? this.list;
    region.scrollTop = region.scrollHeight;
  }
}
