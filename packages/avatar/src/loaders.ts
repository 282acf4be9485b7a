import { ErrorCode, VisemoError } from '@visemo/core/errors';
import type { AvatarModelSource } from './avatar.js';
import type { AvatarModel } from './models/avatar-model.js';

const GLB_MAGIC = 0x46546c67; // "glTF"
const JSON_CHUNK = 0x4e4f534a; // "JSON"

/** The glTF JSON of a .glb or .gltf file, or null when it is neither. */
export function readGltfJson(bytes: ArrayBuffer): Record<string, unknown> | null {
  const view = new DataView(bytes);
  try {
    if (bytes.byteLength >= 20 && view.getUint32(0, true) === GLB_MAGIC) {
      const length = view.getUint32(12, true);
      if (view.getUint32(16, true) !== JSON_CHUNK) return null;
      return JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 20, length)));
    }
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** Whether a glTF JSON declares VRM 0.x (`VRM`) or VRM 1.0 (`VRMC_vrm`). */
export function vrmVersionOf(json: Record<string, unknown>): '0' | '1' | null {
  const used = Array.isArray(json.extensionsUsed) ? (json.extensionsUsed as string[]) : [];
  const extensions = (json.extensions ?? {}) as Record<string, unknown>;
  if (used.includes('VRMC_vrm') || 'VRMC_vrm' in extensions) return '1';
  if (used.includes('VRM') || 'VRM' in extensions) return '0';
  return null;
}

async function bytesOf(source: AvatarModelSource): Promise<{ bytes: ArrayBuffer; format?: 'vrm' | 'gltf' }> {
  if (source instanceof ArrayBuffer) return { bytes: source };
  const { url, data, format } =
    typeof source === 'string' ? { url: source, data: undefined, format: undefined } : source;
  if (data) return { bytes: data, format };
  if (!url) throw new VisemoError(ErrorCode.BadMessage, 'An avatar model needs a url or data');
  const response = await fetch(url);
  if (!response.ok)
    throw new VisemoError(ErrorCode.BadMessage, `Avatar model ${url}: HTTP ${response.status}`);
  return { bytes: await response.arrayBuffer(), format };
}

/**
 * Loads a VRM (0.x or 1.0) or a glTF/GLB character. VRM is recognised from the file's extensions;
 * glTF morph targets are matched by name (Oculus visemes or ARKit blendshapes). Three's loaders and
 * three-vrm are imported on first use, so pages with the built-in character do not download them.
 */
export async function loadAvatarModel(source: AvatarModelSource): Promise<AvatarModel> {
  const { bytes, format } = await bytesOf(source);
  const json = readGltfJson(bytes);
  if (!json) throw new VisemoError(ErrorCode.BadMessage, 'Avatar model is neither glTF nor GLB');
  const isVrm = format ? format === 'vrm' : vrmVersionOf(json) !== null;
  const { GLTFLoader } = await import('three/examples/jsm/loaders/GLTFLoader.js');
  const loader = new GLTFLoader();
  if (isVrm) {
    const { VRMLoaderPlugin, VRMUtils } = await import('@pixiv/three-vrm');
    loader.register((parser) => new VRMLoaderPlugin(parser));
    const gltf = await parse(loader, bytes);
    const vrm = gltf.userData.vrm;
    if (!vrm)
      throw new VisemoError(
        ErrorCode.BadMessage,
        'The VRM file has no usable VRM data (meta or humanoid missing)',
      );
    VRMUtils.rotateVRM0(vrm);
    const { VrmModel } = await import('./models/vrm-model.js');
    return new VrmModel(vrm);
  }
  const gltf = await parse(loader, bytes);
  const { GltfModel } = await import('./models/gltf-model.js');
  return new GltfModel(gltf.scene);
}

function parse(
  loader: import('three/examples/jsm/loaders/GLTFLoader.js').GLTFLoader,
  bytes: ArrayBuffer,
): Promise<import('three/examples/jsm/loaders/GLTFLoader.js').GLTF> {
  return new Promise((resolve, reject) =>
    loader.parse(bytes, '', resolve, (error) =>
      reject(
        new VisemoError(ErrorCode.BadMessage, `Avatar model could not be parsed: ${String(error)}`, {
          cause: error,
        }),
      ),
    ),
  );
}
