import type { FeedbackRating } from '@visemo/client';
import { AnswerRating } from './answer-rating.js';
import { element } from './dom.js';

interface Entry {
  item: HTMLLIElement;
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
  private agentName = 'Assistant';

  constructor(private readonly list: HTMLOListElement) {}

  setAgentName(name: string): void {
    this.agentName = name;
  }

  userPartial(turnId: number, text: string): void {
    const entry = this.entry('user', turnId);
    entry.item.classList.add('partial');
    entry.item.setAttribute('aria-hidden', 'true');
    entry.text.textContent = text;
    this.reveal(entry);
  }

  userFinal(turnId: number, text: string, understood: boolean): void {
    const entry = this.entry('user', turnId);
    entry.item.classList.remove('partial');
    entry.item.removeAttribute('aria-hidden');
    entry.text.textContent = understood && text ? text : text || '(not understood)';
    this.reveal(entry);
  }

  /** Appends a sentence the agent is saying now. */
  agentSentence(turnId: number, sentence: string): void {
    const entry = this.entry('agent', turnId);
    entry.text.textContent = entry.text.textContent ? `${entry.text.textContent} ${sentence}` : sentence;
    this.reveal(entry);
  }

  agentInterrupted(turnId: number): void {
    this.entries.get(`agent:${turnId}`)?.item.classList.add('interrupted');
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

  private entry(speaker: 'user' | 'agent', turnId: number): Entry {
    const key = `${speaker}:${turnId}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const item = element('li', `entry ${speaker}`);
      const who = element('span', 'who', speaker === 'user' ? 'You' : this.agentName);
      const text = element('span', 'text');
      item.append(who, text);
      this.list.append(item);
      entry = { item, text };
      this.entries.set(key, entry);
      const rate = speaker === 'agent' ? this.pendingRatings.get(turnId) : undefined;
      if (rate) {
        this.pendingRatings.delete(turnId);
        this.offerRating(turnId, rate);
      }
    }
    return entry;
  }

  /** Entries stay where they were created (moving a node in a live region re-announces it). */
  private reveal(_entry: Entry): void {
    this.scroll();
  }

  private scroll(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
