import { byId } from './dom.js';

/** Until the session tells its own (`session.started.limits.maxTextChars`): the protocol's default. */
const DEFAULT_LIMIT = 2000;

/**
 * Keeps the typed message within what the server takes, out loud: the box has no `maxlength`
 * (a browser cuts a long paste at it without a word), so an over-long message stays whole in the
 * box and a note under it says how long it is, what the limit is, and that it is not sent until
 * it is shorter.
 */
export class MessageLength {
  private limit = DEFAULT_LIMIT;
  private readonly input = byId<HTMLInputElement>('message');
  private readonly note = byId('message-length');

  constructor() {
    this.input.addEventListener('input', () => this.show());
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.show();
  }

  /** Whether the message may go; if not, the note says why and the box keeps the text. */
  allows(text: string): boolean {
    return this.show(text.length);
  }

  private show(length = this.input.value.trim().length): boolean {
    const over = length > this.limit;
    this.note.hidden = !over;
    if (over) {
      this.note.textContent = `Your message is ${format(length)} characters; the assistant reads at most ${format(this.limit)}. Shorten it by ${format(length - this.limit)} to send it.`;
      this.input.setAttribute('aria-invalid', 'true');
    } else {
      this.input.removeAttribute('aria-invalid');
    }
    return !over;
  }
}

function format(n: number): string {
  return n.toLocaleString('en');
}
