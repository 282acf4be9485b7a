export {
  AgentDialogue,
  type AgentDialogueOptions,
  type AgentReply,
  type FlowProgress,
} from './agent-dialogue.js';
export {
  type AnswerRoute,
  AnswerRouter,
  type AnswerRouterSettings,
  type AnswerSignals,
  DEFAULT_ROUTER_SETTINGS,
} from './answer-router.js';
export { readExpressionTags, type TaggedSentence } from './expression-tags.js';
export {
  type KnowledgeAnswer,
  type KnowledgeHit,
  KnowledgeIndex,
  type KnowledgeIndexOptions,
} from './knowledge-index.js';
export { ConversationHistory, type HistoryWindow } from './llm/conversation-history.js';
export { type AgentTool, flowTools, handoffTool, type ToolOutcome } from './llm/flow-tools.js';
export {
  LlmDialogue,
  type LlmDialogueEvent,
  type LlmDialogueOptions,
  type LlmReply,
  type LlmRoute,
} from './llm/llm-dialogue.js';
export { SpokenTextFilter } from './llm/spoken-text.js';
export {
  HANDOFF_TOOL,
  knowledgeMessage,
  languageName,
  type PromptSettings,
  systemPrompt,
} from './llm/system-prompt.js';
export { loadAgent } from './load-agent.js';
export { type Passage, pagePassages } from './markdown-passages.js';
export {
  chunkSentences,
  SentenceChunker,
  type SentenceChunkerOptions,
  splitSentences,
} from './sentence-chunker.js';
export { fillTemplate } from './template.js';
export { moodOf } from './utterance-mood.js';
