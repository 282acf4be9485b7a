/** Sizes a canvas for a texture drawn in code and returns its 2D context (null where there is none). */
export function textureContext(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D | null {
  canvas.width = width;
  canvas.height = height;
  return canvas.getContext('2d');
}
