/**
 * Word graphs for the decoder: a grammar as a regular expression over words (`GrammarExpr`), turned
 * into the smallest deterministic graph that accepts the same word sequences (`wordGraph`).
 *
 * Why not let PocketSphinx compile JSGF: its JSGF compiler copies a rule at every reference and
 * never shares states, so the support agent's 1,072 phrases became 55,580 HMM nodes where phrases
 * like "do you ship to germany" and "do you ship to france" each kept their own copy of "do you
 * ship to", and twelve order-number phrases each their own six-digit chain. The decoder keeps
 * every copy alive in parallel (they score the same), which is what the CPU goes into. The minimal
 * graph has one path per distinct prefix and one per distinct suffix.
 */

/** A grammar over words: the phrases of a domain with their slots written out. */
export type GrammarExpr =
  | { kind: 'word'; word: string }
  | { kind: 'seq'; items: GrammarExpr[] }
  | { kind: 'alt'; items: GrammarExpr[] }
  | { kind: 'opt'; item: GrammarExpr }
  /** A slot's values; `digits` says how many digits a digit slot takes, for rejection paths. */
  | { kind: 'slot'; name: string; digits?: { min: number; max: number }; body: GrammarExpr };

export interface WordArc {
  from: number;
  to: number;
  /** `null`: a transition that consumes no word. */
  word: string | null;
  /** Transition probability (1 when absent): a penalty for taking this arc. */
  prob?: number;
}

/** A finite-state grammar as the decoder takes it: one start state and one final state. */
export interface WordGraph {
  states: number;
  start: number;
  final: number;
  arcs: WordArc[];
}

export const word = (w: string): GrammarExpr => ({ kind: 'word', word: w });
export const seq = (items: GrammarExpr[]): GrammarExpr =>
  items.length === 1 ? (items[0] as GrammarExpr) : { kind: 'seq', items };
export const alt = (items: GrammarExpr[]): GrammarExpr =>
  items.length === 1 ? (items[0] as GrammarExpr) : { kind: 'alt', items };

/** Replaces every slot node by what `f` returns for it (slots inside slots are not visited). */
export function mapSlots(
  expr: GrammarExpr,
  f: (slot: Extract<GrammarExpr, { kind: 'slot' }>) => GrammarExpr,
): GrammarExpr {
  switch (expr.kind) {
    case 'word':
      return expr;
    case 'seq':
    case 'alt':
      return { kind: expr.kind, items: expr.items.map((e) => mapSlots(e, f)) };
    case 'opt':
      return { kind: 'opt', item: mapSlots(expr.item, f) };
    case 'slot':
      return f(expr);
  }
}

/** The words an expression can produce. */
export function exprWords(expr: GrammarExpr, into = new Set<string>()): Set<string> {
  switch (expr.kind) {
    case 'word':
      into.add(expr.word);
      break;
    case 'seq':
    case 'alt':
      for (const e of expr.items) exprWords(e, into);
      break;
    case 'opt':
      exprWords(expr.item, into);
      break;
    case 'slot':
      exprWords(expr.body, into);
      break;
  }
  return into;
}

interface Nfa {
  /** Per state: arcs as [word or null, target]. */
  arcs: [string | null, number][][];
}

function thompson(expr: GrammarExpr, nfa: Nfa, from: number): number {
  const state = () => nfa.arcs.push([]) - 1;
  switch (expr.kind) {
    case 'word': {
      const to = state();
      (nfa.arcs[from] as [string | null, number][]).push([expr.word, to]);
      return to;
    }
    case 'seq': {
      let at = from;
      for (const item of expr.items) at = thompson(item, nfa, at);
      return at;
    }
    case 'alt': {
      const to = state();
      for (const item of expr.items) {
        const end = thompson(item, nfa, from);
        (nfa.arcs[end] as [string | null, number][]).push([null, to]);
      }
      return to;
    }
    case 'opt': {
      const end = thompson(expr.item, nfa, from);
      (nfa.arcs[from] as [string | null, number][]).push([null, end]);
      return end;
    }
    case 'slot':
      return thompson(expr.body, nfa, from);
  }
}

/**
 * The minimal deterministic graph accepting the word sequences of `expr` (which must not be empty
 * and has no loops). Accepting states other than the final one reach it by a word-less arc.
 */
export function wordGraph(expr: GrammarExpr): WordGraph {
  const nfa: Nfa = { arcs: [[]] };
  const nfaFinal = thompson(expr, nfa, 0);

  const closure = (states: number[]): number[] => {
    const seen = new Set(states);
    const stack = [...states];
    while (stack.length) {
      const s = stack.pop() as number;
      for (const [w, t] of nfa.arcs[s] as [string | null, number][]) {
        if (w === null && !seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  };

  // Subset construction: DFA states are sets of NFA states.
  const dfaArcs: Map<string, number>[] = [];
  const dfaFinal: boolean[] = [];
  const index = new Map<string, number>();
  const queue: number[][] = [];
  const intern = (set: number[]): number => {
    const key = set.join(',');
    let id = index.get(key);
    if (id === undefined) {
      id = dfaArcs.length;
      index.set(key, id);
      dfaArcs.push(new Map());
      dfaFinal.push(set.includes(nfaFinal));
      queue.push(set);
    }
    return id;
  };
  intern(closure([0]));
  for (let id = 0; id < queue.length; id++) {
    const byWord = new Map<string, number[]>();
    for (const s of queue[id] as number[]) {
      for (const [w, t] of nfa.arcs[s] as [string | null, number][]) {
        if (w === null) continue;
        const targets = byWord.get(w) ?? [];
        targets.push(t);
        byWord.set(w, targets);
      }
    }
    for (const [w, targets] of byWord) (dfaArcs[id] as Map<string, number>).set(w, intern(closure(targets)));
  }

  // Minimisation of an acyclic DFA: states with the same finality and the same arcs to the same
  // classes accept the same continuations. Classes are found from the leaves up.
  const order: number[] = [];
  const visited = new Uint8Array(dfaArcs.length);
  const visit = (root: number) => {
    const stack: [number, boolean][] = [[root, false]];
    while (stack.length) {
      const [s, done] = stack.pop() as [number, boolean];
      if (done) {
        order.push(s);
        continue;
      }
      if (visited[s]) continue;
      visited[s] = 1;
      stack.push([s, true]);
      for (const t of (dfaArcs[s] as Map<string, number>).values()) if (!visited[t]) stack.push([t, false]);
    }
  };
  visit(0);
  const classOf = new Int32Array(dfaArcs.length).fill(-1);
  const signatures = new Map<string, number>();
  for (const s of order) {
    const arcs = [...(dfaArcs[s] as Map<string, number>)].map(([w, t]) => `${w}\u0000${classOf[t]}`).sort();
    const signature = `${dfaFinal[s] ? 1 : 0}\u0001${arcs.join('\u0001')}`;
    let c = signatures.get(signature);
    if (c === undefined) {
      c = signatures.size;
      signatures.set(signature, c);
    }
    classOf[s] = c;
  }

  // Renumber: start first, then the rest; one final state (a final class without arcs, or a new one).
  const classes = signatures.size;
  const representative = new Int32Array(classes).fill(-1);
  for (const s of order)
    if (representative[classOf[s] as number] === -1) representative[classOf[s] as number] = s;
  let final = -1;
  for (let c = 0; c < classes; c++) {
    const s = representative[c] as number;
    if (dfaFinal[s] && (dfaArcs[s] as Map<string, number>).size === 0) final = c;
  }
  const start = classOf[0] as number;
  const arcs: WordArc[] = [];
  let states = classes;
  if (final === -1) final = states++;
  for (let c = 0; c < classes; c++) {
    const s = representative[c] as number;
    for (const [w, t] of dfaArcs[s] as Map<string, number>)
      arcs.push({ from: c, to: classOf[t] as number, word: w });
    if (dfaFinal[s] && c !== final) arcs.push({ from: c, to: final, word: null });
  }
  return { states, start, final, arcs };
}
