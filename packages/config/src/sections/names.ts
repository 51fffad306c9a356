/**
 * Name rules shared by sections. Service names and the namespace end up in DNS names and
 * workload identities (`ai-kernel.default.serviceaccount.identity.linkerd.cluster.local`),
 * so they follow the DNS label rules Kubernetes uses.
 */
import type { TextRule } from '../schema/index.ts';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const dnsLabel: TextRule = {
  test: (text) => LABEL.test(text),
  expected:
    "a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
};

export const dnsName: TextRule = {
  test: (text) => text.length <= 253 && text.split('.').every((part) => LABEL.test(part)),
  expected: "a DNS name (DNS labels joined by '.', such as cluster.local)",
};

export const httpPath: TextRule = {
  test: (text) => text.startsWith('/') && !/\s/.test(text),
  expected: "an HTTP path starting with '/'",
};

// RFC 9110 token characters: what a header field name may contain.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const headerName: TextRule = {
  test: (text) => TOKEN.test(text),
  expected: "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
};

/** Linkerd's MeshTLSAuthentication patterns: an exact identity, `*`, or `*.` and a suffix. */
export const identityPattern: TextRule = {
  test: (text) => text === '*' || dnsName.test(text.startsWith('*.') ? text.slice(2) : text),
  expected:
    "an identity name, '*', or '*.' followed by a DNS name (such as *.default.serviceaccount.identity.cluster.local)",
};

export const httpUrl: TextRule = {
  test: (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  expected: 'an http:// or https:// URL (such as http://jaeger:4318)',
};
