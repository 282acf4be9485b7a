/** A Markdown mark at the start of a line: heading, quote, or list item. */
const LINE_MARK = /^[ \t]*(#{1,6}[ \t]+|>[ \t]*|[-*•+][ \t]+|\d{1,3}[.)][ \t]+)/;
/** What may still grow into a LINE_MARK when the next delta arrives. */
const PARTIAL_MARK = /^[ \t]*(#{1,6}|>|[-*•+]|\d{1,3}[.)]?)?$/;

/**
 * Takes the Markdown out of streamed model text before it is spoken and shown as captions, even
 * when the model was told not to write any: emphasis stars and backticks go, and heading, quote and
 * list marks at line starts go. A list item becomes its own paragraph, so the sentence chunker
 * cuts there even when the item has no final punctuation. Works on deltas cut anywhere.
 */
export class SpokenTextFilter {
  private lineStart = true;
  private pending = '';
  /** Whether the last character given out was a line break. */
  private afterBreak = false;

  push(delta: string): string {
    const text = this.pending + delta;
    this.pending = '';
    let out = '';
    let i = 0;
    while (i < text.length) {
      if (this.lineStart) {
        const rest = text.slice(i);
        const mark = LINE_MARK.exec(rest);
        if (mark) {
          i += mark[0].length;
          // A blank line before the item: the chunker ends the previous sentence there.
          const item = /[-*•+]|\d/.test(mark[1]?.[0] ?? '');
          if (item && (out ? out.endsWith('\n') : this.afterBreak)) out += '\n';
          this.lineStart = false;
          continue;
        }
        if (PARTIAL_MARK.test(rest)) {
          this.pending = rest;
          break;
        }
        this.lineStart = false;
      }
      const c = text[i] as string;
      if (c === '\n') {
        out += c;
        this.lineStart = true;
      } else if (c !== '*' && c !== '`') {
        out += c;
      }
      i++;
    }
    if (out) this.afterBreak = out.endsWith('\n');
    return out;
  }

  /** What is held back at the end of the text. */
  flush(): string {
    const rest = this.pending.replace(/[*`#>]/g, '');
    this.pending = '';
    return rest.trim() ? rest : '';
  }
}
