/**
 * What every policy block starts with: a name, and a selector over service labels (every
 * service carries `app: <name>`, so `matchLabels: { app: identity }` names one service).
 */
import type { LabelSelector } from '@fusion/mesh-types';
import { nonEmpty, object, record, required, type Schema, string } from '../../schema/index.ts';

export const selector: Schema<LabelSelector> = object({
  matchLabels: required(record(string())),
});

/** The called services, for the blocks a calling service applies. */
export const destination = object({ selector: required(selector) });

/** `name` and `selector`, the keys every block shares, to spread into a block's shape. */
export const blockHeader = {
  name: required(string(nonEmpty)),
  selector: required(selector),
};
