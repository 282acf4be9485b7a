/**
 * Expressions the dialogue can ask the avatar to show, and that the protocol's `expression` event
 * carries. A module of its own, free of imports, so the wire schema and the agent schema share one
 * list without the browser bundle taking the agent schema along.
 */
export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'surprised', 'concerned', 'angry'] as const;
