/** The built-in characters an agent can choose in `persona.look.character`. */
export const CHARACTER_NAMES = ['maya', 'theo'] as const;
export type CharacterName = (typeof CHARACTER_NAMES)[number];

/**
 * How an agent's avatar looks: a built-in character with its own colours (`#rrggbb`), or a VRM/GLB
 * file shipped with the agent, which the page shows where it draws in 3D.
 */
export interface AvatarLookSpec {
  character?: CharacterName;
  skin?: string;
  hair?: string;
  eyes?: string;
  clothes?: string;
}
