declare module '@echogarden/espeak-ng-emscripten' {
  /** The Emscripten module factory; its exports are typed where they are used. */
  const create: () => Promise<unknown>;
  export default create;
}
