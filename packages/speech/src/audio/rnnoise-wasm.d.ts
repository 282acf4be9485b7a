declare module '@echogarden/rnnoise-wasm' {
  /** The Emscripten module factory; its exports are typed where they are used. */
  const create: () => Promise<unknown>;
  export default create;
}
