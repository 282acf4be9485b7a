// The wire types live in core, shared with the browser SDK.
export type { ServerEvent, TurnLatency } from '@visemo/core';
