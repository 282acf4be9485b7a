export {
  AgentDialogue,
  type AgentDialogueOptions,
  type AgentReply,
  type FlowProgress,
} from './agent-dialogue.js';
export {
  type KnowledgeAnswer,
  type KnowledgeHit,
  KnowledgeIndex,
  type KnowledgeIndexOptions,
} from './knowledge-index.js';
export { loadAgent } from './load-agent.js';
export { type Passage, pagePassages } from './markdown-passages.js';
export {
  chunkSentences,
  SentenceChunker,
  type SentenceChunkerOptions,
  splitSentences,
} from './sentence-chunker.js';
export { fillTemplate } from './template.js';
