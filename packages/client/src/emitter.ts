/**
 * A minimal typed emitter over a discriminated union: `on('audio.chunk', e => …)` gives `e` the
 * exact member type. Listener errors are caught and reported, so one bad listener cannot stop the
 * SDK's own bookkeeping (playback reports, reconnects).
 */
export type Listener<E> = (event: E) => void;

export class TypedEmitter<E extends { type: string }> {
  private readonly listeners = new Map<string, Set<Listener<never>>>();
  private readonly any = new Set<Listener<E>>();

  constructor(private readonly onListenerError: (error: unknown) => void = reportListenerError) {}

  /** Listens for one event type; returns a function that removes the listener. */
  on<T extends E['type']>(type: T, listener: Listener<Extract<E, { type: T }>>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Listens for every event (logging, debugging tools). */
  onAny(listener: Listener<E>): () => void {
    this.any.add(listener);
    return () => this.any.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.listeners.get(event.type) ?? []) this.call(listener as Listener<E>, event);
    for (const listener of this.any) this.call(listener, event);
  }

  clear(): void {
    this.listeners.clear();
    this.any.clear();
  }

  private call(listener: Listener<E>, event: E): void {
    try {
      listener(event);
    } catch (error) {
      this.onListenerError(error);
    }
  }
}

function reportListenerError(error: unknown): void {
  // Rethrown outside the emitter's stack, so it shows in the console and error trackers.
  setTimeout(() => {
    throw error;
  });
}
