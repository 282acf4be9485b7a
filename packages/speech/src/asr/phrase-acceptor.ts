import type { WordGraph } from './word-graph.js';

/**
 * Tells whether a sequence of words is a whole path through a word graph, from its start to its
 * final state: for the recognizer, whether what it has heard so far is one of the domain's phrases
 * word for word (a slot filled to a length it takes), so the turn may end after a shorter pause.
 */
export class PhraseAcceptor {
  /** Per state: each word's target states. */
  private readonly next: Map<string, number[]>[];
  /** Per state: the targets of its word-less arcs. */
  private readonly silent: number[][];

  constructor(private readonly graph: WordGraph) {
    this.next = Array.from({ length: graph.states }, () => new Map<string, number[]>());
    this.silent = Array.from({ length: graph.states }, () => []);
    for (const arc of graph.arcs) {
      if (arc.word === null) {
        this.silent[arc.from]?.push(arc.to);
        continue;
      }
      const targets = this.next[arc.from]?.get(arc.word);
      if (targets) targets.push(arc.to);
      else this.next[arc.from]?.set(arc.word, [arc.to]);
    }
  }

  accepts(words: readonly string[]): boolean {
    return this.reached(words)?.has(this.graph.final) ?? false;
  }

  /**
   * Whether `words` begin a phrase that goes on: some path through the graph continues with more
   * words after them ("i want to return" before "my order"). A person who pauses there may not be
   * done.
   */
  continues(words: readonly string[]): boolean {
    const states = this.reached(words);
    if (!states) return false;
    for (const s of states) if ((this.next[s]?.size ?? 0) > 0) return true;
    return false;
  }

  /** The states `words` lead to from the start, or null when no path says them. */
  private reached(words: readonly string[]): Set<number> | null {
    let states = this.closure([this.graph.start]);
    for (const w of words) {
      const reached: number[] = [];
      for (const s of states) reached.push(...(this.next[s]?.get(w) ?? []));
      if (reached.length === 0) return null;
      states = this.closure(reached);
    }
    return states;
  }

  /** The states, and every state their word-less arcs lead to. */
  private closure(from: number[]): Set<number> {
    const seen = new Set(from);
    const todo = [...from];
    for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
      for (const t of this.silent[s] ?? []) {
        if (seen.has(t)) continue;
        seen.add(t);
        todo.push(t);
      }
    }
    return seen;
  }
}
