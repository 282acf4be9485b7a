import { MeshStandardMaterial, ShaderChunk } from 'three';

const LAMBERT_DIFFUSE = 'reflectedLight.directDiffuse += irradiance * diffuseBRDF * ( 1.0 - F );';

/**
 * Wrap lighting: light reaches past the terminator (N·L < 0), red further than green and blue, as
 * light scattered under skin does. It softens the shading and warms the shadow edge for the price
 * of a few instructions per light — the physical material's sheen costs far more on software GL.
 */
const WRAPPED_DIFFUSE = `
  float skinNL = dot( geometryNormal, directLight.direction );
  vec3 skinWrap = saturate( ( vec3( skinNL ) + SKIN_WRAP ) / ( 1.0 + SKIN_WRAP ) );
  reflectedLight.directDiffuse += directLight.color * skinWrap * skinWrap * diffuseBRDF * ( 1.0 - F ) * SKIN_WRAP_GAIN;`;

function wrappedLightsChunk(): string {
  const chunk = ShaderChunk.lights_physical_pars_fragment;
  if (!chunk.includes(LAMBERT_DIFFUSE))
    throw new Error('three.js lighting chunk changed: the skin shading cannot wrap its diffuse term');
  return `#define SKIN_WRAP vec3( 0.55, 0.28, 0.2 )\n#define SKIN_WRAP_GAIN vec3( 1.0, 0.93, 0.9 )\n${chunk.replace(LAMBERT_DIFFUSE, WRAPPED_DIFFUSE)}`;
}

/** A standard material whose direct light wraps into the shadow like skin (see `WRAPPED_DIFFUSE`). */
export function skinMaterial(options: {
  vertexColors: boolean;
  colour: number;
  roughness?: number;
}): MeshStandardMaterial {
  const material = new MeshStandardMaterial({
    color: options.vertexColors ? 0xffffff : options.colour,
    vertexColors: options.vertexColors,
    roughness: options.roughness ?? 0.58,
  });
  material.onBeforeCompile = (shader) => {
    shader.fragmentShader = shader.fragmentShader.replace(
      '#include <lights_physical_pars_fragment>',
      wrappedLightsChunk(),
    );
  };
  material.customProgramCacheKey = () => 'visemo-skin';
  return material;
}
