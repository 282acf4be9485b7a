import { describe, expect, it } from 'vitest';
import { exportMutableGlobals } from '../src/wasm/export-mutable-globals.js';

const section = (id: number, body: number[]) => [id, body.length, ...body];
const name = (text: string) => [text.length, ...new TextEncoder().encode(text)];

/**
 * A module with one function `get` returning global `index`, a mutable global initialised to 42
 * and an immutable one to 7, optionally after an imported global and with or without exports.
 */
function moduleBytes(options: { importGlobal: boolean; exportGet: boolean }): Uint8Array {
  const first = options.importGlobal ? 1 : 0;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...(options.importGlobal ? section(2, [1, ...name('env'), ...name('g'), 3, 0x7f, 0]) : []),
    ...section(3, [1, 0]),
    ...section(6, [2, 0x7f, 1, 0x41, 42, 0x0b, 0x7f, 0, 0x41, 7, 0x0b]),
    ...(options.exportGet ? section(7, [1, ...name('get'), 0, 0]) : []),
    ...section(10, [1, 4, 0, 0x23, first, 0x0b]),
  ]);
}

function instantiate(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Instance {
  const env = { g: new WebAssembly.Global({ value: 'i32', mutable: false }, 1) };
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env });
}

describe('exportMutableGlobals', () => {
  it('exports the mutable global, so that a host can put it back, and keeps existing exports', () => {
    const { bytes, names } = exportMutableGlobals(moduleBytes({ importGlobal: false, exportGet: true }));
    expect(names).toEqual(['global_0']);
    const exports = instantiate(bytes).exports;
    const global = exports.global_0 as WebAssembly.Global;
    const get = exports.get as () => number;
    expect(global.value).toBe(42);
    global.value = 5;
    expect(get()).toBe(5);
  });

  it('counts imported globals in the index space and adds an export section when there is none', () => {
    const { bytes, names } = exportMutableGlobals(moduleBytes({ importGlobal: true, exportGet: false }));
    expect(names).toEqual(['global_1']);
    const exports = instantiate(bytes).exports;
    expect(Object.keys(exports)).toEqual(['global_1']);
    expect((exports.global_1 as WebAssembly.Global).value).toBe(42);
  });

  it('rejects a truncated module instead of writing a broken one', () => {
    const whole = moduleBytes({ importGlobal: false, exportGet: true });
    expect(() => exportMutableGlobals(whole.subarray(0, 30))).toThrow(/ends early/);
  });
});
