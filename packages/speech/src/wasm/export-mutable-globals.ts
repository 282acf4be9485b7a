/**
 * Adds an export for every mutable global a WebAssembly module defines, so that a host can save
 * and restore an instance's whole state (linear memory + mutable globals) and run a WASI command
 * more than once on the same instance. wasi-sdk keeps `__stack_pointer` internal; without it a
 * spent instance cannot be put back to its start.
 *
 * Only the sections this needs are read (imports for the global index space, globals, exports);
 * every other section is copied byte for byte.
 */

const SECTION_IMPORT = 2;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const KIND_GLOBAL = 3;

export interface ExportedGlobals {
  bytes: Uint8Array<ArrayBuffer>;
  /** Export names of the module's mutable globals, `global_<index>` unless already exported. */
  names: string[];
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}
  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('WebAssembly module ends early');
    return this.bytes[this.at++] as number;
  }
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return result >>> 0;
    }
    throw new Error('malformed LEB128 in WebAssembly module');
  }
  skip(n: number): void {
    this.at += n;
  }
  /** Skips a signed LEB128 of any width. */
  skipLeb(): void {
    while (this.byte() & 0x80);
  }
  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }
}

function u32Leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

/** Skips a constant expression up to and including its `end` opcode. */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23)
      r.skipLeb(); // i32.const, i64.const, global.get
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else throw new Error(`unsupported opcode 0x${op.toString(16)} in a global's initializer`);
  }
}

function importedGlobalCount(r: Reader, end: number): number {
  let globals = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0)
      r.u32(); // function: type index
    else if (kind === 1) {
      r.byte(); // table: element type, then limits
      const flags = r.byte();
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === 2) {
      const flags = r.byte();
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === KIND_GLOBAL) {
      r.byte();
      r.byte();
      globals++;
    } else throw new Error(`unknown import kind ${kind}`);
  }
  if (r.at !== end) throw new Error('import section length does not match its contents');
  return globals;
}

function mutableGlobalIndices(r: Reader, firstIndex: number): number[] {
  const out: number[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    r.byte(); // value type
    const mutable = r.byte() === 1;
    skipConstExpr(r);
    if (mutable) out.push(firstIndex + i);
  }
  return out;
}

export function exportMutableGlobals(module: Uint8Array): ExportedGlobals {
  const r = new Reader(module, 8);
  const sections: { id: number; start: number; end: number; payload: number }[] = [];
  let imported = 0;
  let mutable: number[] = [];
  while (r.at < module.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.u32();
    const payload = r.at;
    const end = payload + size;
    if (end > module.length) throw new Error('WebAssembly module ends early');
    if (id === SECTION_IMPORT) imported = importedGlobalCount(r, end);
    else if (id === SECTION_GLOBAL) mutable = mutableGlobalIndices(r, imported);
    r.at = end;
    sections.push({ id, start, end, payload });
  }

  // Existing exports are kept, and a global already exported keeps its name.
  const exportSection = sections.find((s) => s.id === SECTION_EXPORT);
  const entries: number[] = [];
  const taken = new Map<number, string>();
  let count = 0;
  if (exportSection) {
    const e = new Reader(module, exportSection.payload);
    count = e.u32();
    const first = e.at;
    for (let i = 0; i < count; i++) {
      const name = e.name();
      const kind = e.byte();
      const index = e.u32();
      if (kind === KIND_GLOBAL) taken.set(index, name);
    }
    entries.push(...module.subarray(first, exportSection.end));
  }
  const names: string[] = [];
  for (const index of mutable) {
    const existing = taken.get(index);
    if (existing !== undefined) {
      names.push(existing);
      continue;
    }
    const name = `global_${index}`;
    const encoded = new TextEncoder().encode(name);
    entries.push(...u32Leb(encoded.length), ...encoded, KIND_GLOBAL, ...u32Leb(index));
    names.push(name);
    count++;
  }
  const body = [...u32Leb(count), ...entries];
  const newSection = Uint8Array.from([SECTION_EXPORT, ...u32Leb(body.length), ...body]);

  // The export section goes where it was, or after the last section that must precede it.
  const before = new Set([1, 2, 3, 4, 5, 13, SECTION_GLOBAL]);
  const anchor = exportSection ?? sections.findLast((s) => before.has(s.id));
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  if (!anchor) parts.push(newSection);
  for (const s of sections) {
    if (s !== exportSection) parts.push(module.subarray(s.start, s.end));
    if (s === anchor) parts.push(newSection);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { bytes: out, names };
}
