import type { KnowledgePage } from '@visemo/core';

/** A retrievable piece of a knowledge page: one paragraph, list or table row, as speakable prose. */
export interface Passage {
  /** `knowledge/returns.md#Refunds`: the page, and the heading the passage sits under (if any). */
  source: string;
  page: string;
  /** The page title and the headings above the passage, outermost first. */
  headings: string[];
  /** Plain prose: Markdown syntax removed, lists and table rows turned into sentences. */
  text: string;
}

type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] };

/**
 * Splits a Markdown page into passages. Each paragraph is a passage; a list joins the paragraph
 * that introduces it ("We accept:" + items); each table row is a passage of its own, so a question
 * about one row (one country, one size) finds that row.
 */
export function pagePassages(page: KnowledgePage): Passage[] {
  const passages: Passage[] = [];
  const stack: { level: number; text: string }[] = [];
  let blocks: Block[] = [];
  const closeSection = () => {
    const headings = [page.title, ...stack.map((h) => h.text).filter((h) => h !== page.title)];
    const heading = stack.length > 0 ? stack[stack.length - 1]?.text : undefined;
    const source = heading && heading !== page.title ? `${page.source}#${heading}` : page.source;
    for (const text of blocksToProse(blocks)) passages.push({ source, page: page.source, headings, text });
    blocks = [];
  };

  const lines = stripFrontMatter(page.markdown)
    .replace(/<!--[\s\S]*?-->/g, '')
    .split(/\r?\n/);
  let paragraph: string[] = [];
  let list: string[] | null = null;
  let table: string[][] | null = null;
  let fence = false;
  const endBlock = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
    if (list) blocks.push({ kind: 'list', items: list });
    if (table && table.length > 0) {
      const [header = [], ...rows] = table;
      blocks.push({ kind: 'table', header, rows });
    }
    paragraph = [];
    list = null;
    table = null;
  };

  for (const raw of lines) {
    if (/^\s*(```|~~~)/.test(raw)) {
      // Code is not something to say aloud.
      endBlock();
      fence = !fence;
      continue;
    }
    if (fence) continue;
    const line = raw.replace(/^\s*>\s?/, '');
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      endBlock();
      closeSection();
      const level = heading[1]?.length ?? 1;
      while (stack.length > 0 && (stack[stack.length - 1]?.level ?? 0) >= level) stack.pop();
      stack.push({ level, text: inlineText(heading[2] ?? '') });
      continue;
    }
    if (!line.trim()) {
      endBlock();
      continue;
    }
    if (/^\s*\|/.test(line)) {
      if (paragraph.length > 0 || list) endBlock();
      const cells = line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => inlineText(c.trim()));
      if (cells.every((c) => /^:?-{2,}:?$/.test(c) || c === '')) continue; // the |---| separator row
      table ??= [];
      table.push(cells);
      continue;
    }
    const item = /^\s*(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      if (table) endBlock();
      if (paragraph.length > 0 && !list) {
        blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
        paragraph = [];
      }
      list ??= [];
      list.push(item[1] ?? '');
      continue;
    }
    if (list && /^\s{2,}\S/.test(raw)) {
      // An indented line continues the list item above it.
      list[list.length - 1] += ` ${line.trim()}`;
      continue;
    }
    if (list || table) endBlock();
    paragraph.push(line.trim());
  }
  endBlock();
  closeSection();
  return passages;
}

function blocksToProse(blocks: Block[]): string[] {
  const out: string[] = [];
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b] as Block;
    const next = blocks[b + 1];
    if (block.kind === 'paragraph') {
      const text = inlineText(block.text);
      if (next?.kind === 'list' && /:\s*$/.test(text)) {
        out.push(listProse(next.items.map(inlineText), text));
        b++;
      } else if (text) {
        out.push(text);
      }
    } else if (block.kind === 'list') {
      out.push(listProse(block.items.map(inlineText), ''));
    } else {
      for (const row of block.rows) {
        const sentence = tableRowProse(block.header, row);
        if (sentence) out.push(sentence);
      }
    }
  }
  return out;
}

/**
 * Short items become one sentence ("We accept Visa, Mastercard and PayPal."); items that are
 * sentences themselves stay sentences, after the intro.
 */
function listProse(items: string[], intro: string): string {
  const cleaned = items.map((i) => i.trim()).filter(Boolean);
  const lead = intro.replace(/:\s*$/, '').trim();
  if (cleaned.every((i) => /[.!?]$/.test(i))) {
    const sentences = cleaned.map(capitalise).join(' ');
    return lead ? `${lead}: ${sentences}` : sentences;
  }
  const separator = cleaned.some((i) => i.includes(',')) ? '; ' : ', ';
  const parts = cleaned.map((i) => i.replace(/[.;,]$/, ''));
  const joined =
    parts.length <= 1
      ? (parts[0] ?? '')
      : `${parts.slice(0, -1).join(separator)}${separator === '; ' ? '; and ' : ' and '}${parts[parts.length - 1]}`;
  // The colon stays: spoken, it is the pause before the list.
  return lead ? `${lead}: ${joined}.` : `${capitalise(joined)}.`;
}

/**
 * `| Germany | 4.95 € | 2–3 days |` under `| Country | Price | Delivery |` → "Germany: price 4.95 €,
 * delivery 2–3 days." An empty or dash cell is left out.
 */
function tableRowProse(header: string[], row: string[]): string {
  const [cell0 = '', ...rest] = row.map((c) => (/^[-–—]*$/.test(c) ? '' : c));
  // "34 (XS)" or "S" alone says little: "EU size 34 (XS)", "Size S".
  const label0 = header[0] ?? '';
  const first = label0 && (/^\d/.test(cell0) || cell0.length <= 3) ? `${label0} ${cell0}` : cell0;
  const parts = rest
    .map((cell, i) => {
      if (!cell) return '';
      const label = header[i + 1] ?? '';
      return label ? `${lowerLabel(label)} ${cell}` : cell;
    })
    .filter(Boolean);
  if (!first && parts.length === 0) return '';
  return `${first}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}.`;
}

function lowerLabel(label: string): string {
  // Keep acronyms ("EU", "VAT") as written.
  return /^\p{Lu}{2,}/u.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** Removes inline Markdown: emphasis, code, links (keeps their text), images, HTML tags, raw URLs' scheme. */
export function inlineText(markdown: string): string {
  return markdown
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<https?:\/\/([^>]+)>/g, '$1')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/https?:\/\//g, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\p{L}\p{N}])[*_](\S(?:.*?\S)?)[*_](?=[^\p{L}\p{N}]|$)/gu, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stripFrontMatter(markdown: string): string {
  return markdown.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '');
}

/** The page title: its first `# ` heading, or the file name made readable. */
export function pageTitle(markdown: string, fileName: string): string {
  const h1 = /^#\s+(.+?)\s*#*\s*$/m.exec(stripFrontMatter(markdown));
  if (h1?.[1]) return inlineText(h1[1]);
  const base = fileName.replace(/^.*\//, '').replace(/\.md$/i, '');
  return capitalise(base.replace(/[-_]+/g, ' '));
}
