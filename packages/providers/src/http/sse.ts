/** One Server-Sent Events message (WHATWG HTML §9.2). */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses an SSE byte stream. Chunks may split anywhere, including inside a multi-byte UTF-8
 * character or between `\r` and `\n`: the decoder is streaming and lines are cut only when complete.
 * Comment lines (`: keepalive`) are skipped; an event is dispatched at a blank line.
 */
export async function* parseSse(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const line = function* (raw: string): Generator<SseEvent> {
    if (raw === '') {
      if (data.length > 0)
        yield { event: event || 'message', data: data.join('\n'), ...(id === undefined ? {} : { id }) };
      data = [];
      event = '';
      return;
    }
    if (raw.startsWith(':')) return;
    const colon = raw.indexOf(':');
    const field = colon < 0 ? raw : raw.slice(0, colon);
    let value = colon < 0 ? '' : raw.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };
  const drain = function* (final: boolean): Generator<SseEvent> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A lone `\r` at the end may be the first half of `\r\n`: wait for the next chunk.
      if (match[0] === '\r' && match.index === buffer.length - 1 && !final) break;
      const raw = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield* line(raw);
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* drain(false);
  }
  buffer += decoder.decode();
  yield* drain(true);
  // A stream that ends without the final blank line still delivers its last event.
  if (buffer !== '') yield* line(buffer);
  yield* line('');
}
