// Generated from openapi.yaml by `make clients` (python -m reply_coach.generate); do not edit.

export interface CoachContext {
  /** The rejection email the candidate received. */
  received_message?: string | null;
  /** Who the reply is addressed to (the recruiter or hiring manager). */
  recipient_name?: string | null;
  /** The candidate's name, used to sign the rewrite. */
  sender_name?: string | null;
  company?: string | null;
  role?: string | null;
  /** true: the reply should ask for feedback; false: it should not; null: optional. */
  ask_for_feedback?: boolean | null;
}

export interface CoachOptions {
  /** auto: the llm engine when a model is configured, else local. */
  engine?: "auto" | "local" | "llm";
  /** A model on the server's allow-list; defaults to the configured model. */
  model?: string | null;
  /** false skips the rewrite. */
  rewrite?: boolean;
}

export interface CoachRequest {
  /** The candidate's draft reply. */
  draft: string;
  context?: CoachContext | null;
  options?: CoachOptions | null;
}

export interface CoachResponse {
  id: string;
  scores: Scores;
  critiques: Critique[];
  /** Critiques left out of this response: at most 10 of one rule and 50 in all are sent. The scores count every one. */
  critiques_omitted?: number;
  rewrite: Rewrite | null;
  engine: EngineInfo;
  usage: Usage;
  /** The model's one line on how the draft comes across; null from the local engine. */
  summary?: string | null;
}

export interface Critique {
  id: string;
  /** Stable dotted id of the rule, e.g. reputation.sarcasm. */
  rule: string;
  principle: "reputation" | "door_open" | "resilience" | "feedback" | "networking" | "confidence" | "tone" | "readability";
  severity: "info" | "warning" | "critical";
  message: string;
  suggestion?: string | null;
  /** Exact substring of the draft: draft[start:end] == quote. */
  quote?: string | null;
  start?: number | null;
  end?: number | null;
  /** Texts that may replace the quote, best first; "" deletes it. Applying the first replacement of every critique, right to left, never makes the draft score worse. Critiques that share a span share their replacements (apply each span once); critiques without a span have none. */
  replacements?: string[];
}

export interface EngineInfo {
  name: "local" | "llm";
  model?: string | null;
  prompt_version?: string | null;
  degraded?: boolean;
  reason?: string | null;
}

export interface ErrorBody {
  code: string;
  message: string;
  field?: string | null;
}

export interface ErrorResponse {
  error: ErrorBody;
}

export interface HealthResponse {
  status?: "ok";
}

export interface PrincipleOut {
  id: "reputation" | "door_open" | "resilience" | "feedback" | "networking" | "confidence";
  title: string;
  shown_by: string;
  broken_by: string;
}

export interface PrincipleScore {
  score: number;
  status: "shown" | "missing" | "broken";
}

export interface Readability {
  flesch_reading_ease: number;
  /** Flesch-Kincaid grade level. */
  grade: number;
  words: number;
  sentences: number;
  reading_time_s: number;
}

export interface ReadyResponse {
  ready: boolean;
  /** Which engines can serve a request now. */
  engines: { [key: string]: boolean };
  /** Whether the shared Redis answers; null when none is configured. When false the service still serves, with limits and cache kept per process. */
  redis?: boolean | null;
}

export interface Rewrite {
  text: string;
  scores: Scores;
}

export interface ScoreOptions {
  /** true adds the critiques, with their spans and one-click fixes, for an editor to underline; the response then quotes the text. */
  critiques?: boolean;
}

export interface ScoreRequest {
  /** The text to score. */
  text: string;
  context?: CoachContext | null;
  options?: ScoreOptions | null;
}

/** Scores of the text; with options.critiques, the critiques an editor underlines, most severe first. */
export interface ScoreResponse {
  /** The grace score. */
  overall: number;
  /** ready: send as is; revise: edit; rethink: start over. */
  verdict: "ready" | "revise" | "rethink";
  principles: Record<"reputation" | "door_open" | "resilience" | "feedback" | "networking" | "confidence", PrincipleScore>;
  tone: Tone;
  readability: Readability;
  /** Only when options.critiques was true. */
  critiques?: Critique[] | null;
  /** Only when options.critiques was true: critiques left out (at most 10 of one rule and 50 in all are sent). The scores count every one. */
  critiques_omitted?: number | null;
}

export interface Scores {
  /** The grace score. */
  overall: number;
  /** ready: send as is; revise: edit; rethink: start over. */
  verdict: "ready" | "revise" | "rethink";
  principles: Record<"reputation" | "door_open" | "resilience" | "feedback" | "networking" | "confidence", PrincipleScore>;
  tone: Tone;
  readability: Readability;
}

export interface Tone {
  /** One word for the overall register, e.g. gracious, warm, neutral, cold, anxious, hostile. */
  label: string;
  sentiment: number;
  politeness: number;
  hostility: number;
  anxiety: number;
}

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  cost_usd?: number | null;
  latency_ms?: number;
}
