/**
 * A trace's spans in reading order: each span after its parent, one level deeper, siblings by
 * start time. A span whose parent is not in the trace (not sampled, not yet arrived, past the
 * receiver's bound) is shown as a root rather than hidden, and a reference loop — which only a
 * broken exporter could send — still shows every span once.
 */
import type { JaegerSpan, JaegerTrace } from '@fusion/mesh-types';

export interface PlacedSpan {
  readonly span: JaegerSpan;
  readonly depth: number;
}

export function spanTree(trace: JaegerTrace): PlacedSpan[] {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const children = new Map<string, JaegerSpan[]>();
  const roots: JaegerSpan[] = [];
  for (const span of trace.spans) {
    const parent = span.references.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID));
    if (parent && parent.spanID !== span.spanID) {
      const siblings = children.get(parent.spanID) ?? [];
      siblings.push(span);
      children.set(parent.spanID, siblings);
    } else roots.push(span);
  }
  const placed: PlacedSpan[] = [];
  const seen = new Set<string>();
  const visit = (span: JaegerSpan, depth: number) => {
    if (seen.has(span.spanID)) return;
    seen.add(span.spanID);
    placed.push({ span, depth });
    for (const child of byStart(children.get(span.spanID) ?? [])) visit(child, depth + 1);
  };
  for (const root of byStart(roots)) visit(root, 0);
  for (const span of byStart(trace.spans)) visit(span, 0);
  return placed;
}

function byStart(spans: readonly JaegerSpan[]): JaegerSpan[] {
  return [...spans].sort((a, b) => a.startTime - b.startTime || a.spanID.localeCompare(b.spanID));
}
