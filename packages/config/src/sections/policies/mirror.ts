/**
 * Traffic mirroring (beyond Linkerd, which has none; Istio's `mirror` and `mirrorPercentage`): a
 * share of a destination's (or a route's) requests is copied to another service of the file,
 * whose answers are discarded. The cross-checks make sure the backend is a service.
 */
import type { MirrorConfig } from '@fusion/mesh-types';
import { decimal, object, required, type Schema, string } from '../../schema/index.ts';
import { dnsLabel } from '../names.ts';

export const mirror: Schema<MirrorConfig> = object({
  backend: required(string(dnsLabel)),
  percentage: required(decimal(0, 100)),
});
