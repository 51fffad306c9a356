/**
 * Test helpers: run a schema or the whole parser on a YAML string and get diagnostics as
 * `line:col message` strings, which is what the tests assert on (position and wording).
 */
import type { Diagnostic, ServicePolicy } from '@fusion/mesh-types';
import { LineCounter, parseDocument } from 'yaml';
import { compilePolicies } from './compile/index.ts';
import { parseConfig } from './load.ts';
import { At, Context, type FileCheck, type Schema } from './schema/index.ts';

/** `3:11 services.a.port: expected …` */
export function brief(d: Diagnostic): string {
  return `${d.line}:${d.column} ${d.message}`;
}

/** Runs one schema on the document `text`, as if it were the value at `path`. */
export function runSchema<T>(
  schema: Schema<T>,
  text: string,
  options: { path?: string; checkFile?: FileCheck } = {},
): { value: T | undefined; errors: string[]; warnings: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const ctx = new Context('test.yaml', lineCounter, doc, options.checkFile);
  const value = schema(doc.contents, new At(ctx, options.path ?? 'value'));
  const { errors, warnings } = ctx.sorted();
  return { value, errors: errors.map(brief), warnings: warnings.map(brief) };
}

/** The whole parser, diagnostics as brief strings. */
export function check(text: string, baseDir?: string): { errors: string[]; warnings: string[] } {
  const result = parseConfig(text, { file: 'fusion.yaml', baseDir });
  return {
    errors: result.ok ? [] : result.errors.map(brief),
    warnings: result.warnings.map(brief),
  };
}

/** A valid file with two services, for tests that change one thing in it. */
export function withServices(services: string, rest = ''): string {
  return `version: 1\nservices:\n${services}${rest}`;
}

/**
 * Services for policy tests: three with `tier: core`, one canary beside identity, and the
 * gateway, so selectors can pick one, several or none.
 */
export const POLICY_SERVICES = `  api-gateway:
    port: 8000
    command: x
    external: true
  ai-kernel:
    port: 8001
    command: x
    labels: { tier: core }
  identity:
    port: 8002
    command: x
    labels: { tier: core }
  identity-canary:
    port: 8012
    command: x
  vision:
    port: 8007
    command: x
    labels: { tier: core }
`;

/** Parses `text` (which must be valid) and compiles it; the policies keyed by service. */
export function compileText(text: string): Record<string, ServicePolicy> {
  const result = parseConfig(text, { file: 'fusion.yaml' });
  if (!result.ok) throw new Error(result.errors.map(brief).join('\n'));
  return compilePolicies(result.config).policies;
}

// Verbatim from the seed, indentation and all.
export const SEED_POLICIES = `
trafficPolicies:
  - name: ai-kernel-policy
    selector:
      matchLabels:
        app: ai-kernel
    policy:
      traffic:
        - destination:
            selector:
              matchLabels:
                app: identity
          policy:
            tls:
              mode: SIMPLE
            retries:
              attempts: 3
              perTryTimeout: 2s

circuitBreakers:
  - name: ai-kernel-cb
    selector:
      matchLabels:
        app: ai-kernel
    policy:
      maxConnections: 100
      maxRequests: 1000
      maxPendingRequests: 100
      maxRetries: 3
`;
