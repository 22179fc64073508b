/**
 * Why a whole-system test cannot run here: the first of the real peers it needs that is not installed
 * (tests skip only when a tool is genuinely absent).
 */
import { BARESIP } from './baresip.ts';
import { sippPath } from './sipp.ts';
import { SOX } from './tones.ts';

/** A tool a test needs on the machine. */
export type Tool = 'baresip' | 'sox' | 'sipp';

const PRESENT: Record<Tool, () => boolean> = {
  baresip: () => BARESIP !== null,
  sox: () => SOX !== null,
  sipp: () => sippPath() !== null,
};

/** `'<tool> is not installed'` for the first missing tool (checked in the order given), else false. */
export function skipWithout(...tools: Tool[]): string | false {
  for (const tool of tools) if (!PRESENT[tool]()) return `${tool} is not installed`;
  return false;
}
