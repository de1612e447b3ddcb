import { closeMatches, didYouMean } from '../close-matches.js';
import { formatDuration } from '../duration.js';

export interface FlagChangeIntent {
  name: string;
  enabled: boolean;
  forMs?: number;
  create: boolean;
}

export interface FlagChangeFacts {
  isProtected: boolean;
  actorIsApprover: boolean;
  /** Named in the config, or a key already in Redis. */
  exists: boolean;
  /** Every name a user could have meant, for suggestions. */
  knownNames: readonly string[];
  maxForMs: number;
  approverEnvironment: string;
}

export type FlagChangeRefusal =
  | { ok: false; reason: 'not-approver'; message: string }
  | { ok: false; reason: 'unknown-flag'; message: string; suggestions: string[] }
  | { ok: false; reason: 'duration-too-long'; message: string };

export type FlagChangeDecision = { ok: true } | FlagChangeRefusal;

/**
 * The rules for flipping a flag, in the order a user would want to hear about them: a permission problem first
 * (no point suggesting names to someone who may not flip it), then an unknown name, then a too-long `--for`.
 */
export function decideFlagChange(intent: FlagChangeIntent, facts: FlagChangeFacts): FlagChangeDecision {
  if (facts.isProtected && !facts.actorIsApprover) {
    return {
      ok: false,
      reason: 'not-approver',
      message: `\`${intent.name}\` is a protected flag: only approvers of the ${facts.approverEnvironment} environment may change it. Nothing was changed; ask one of them to run the command.`,
    };
  }
  if (!facts.exists && !intent.create) {
    const suggestions = closeMatches(intent.name, facts.knownNames);
    return {
      ok: false,
      reason: 'unknown-flag',
      suggestions,
      message: `There is no flag \`${intent.name}\`.${didYouMean(suggestions)} Add \`--create\` to create it.`,
    };
  }
  if (intent.forMs !== undefined && intent.forMs > facts.maxForMs) {
    return {
      ok: false,
      reason: 'duration-too-long',
      message: `\`--for\` can be at most ${formatDuration(facts.maxForMs)}; for longer, change the flag without \`--for\`.`,
    };
  }
  return { ok: true };
}
