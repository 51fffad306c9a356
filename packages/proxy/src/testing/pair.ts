/**
 * A real proxy pair for whole-path tests: the api-gateway's outbound proxy and ai-kernel's
 * inbound proxy in front of a test's app, each certified by the test mesh's identity service:
 * app client → outbound → mTLS → inbound → app server.
 */
import type { InboundDefaultPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import { type Endpoint, staticDiscovery } from '../discovery/index.ts';
import { type AppProtocol, startInbound } from '../inbound/index.ts';
import { startOutbound } from '../outbound/index.ts';
import { quietLogger, type TestMesh, type TestWorkload } from './mesh.ts';

export interface PairOptions {
  /** Where the app behind the inbound proxy listens (on 127.0.0.1). */
  readonly appPort: number;
  /** Default `http1`; `h2c` for an app that takes HTTP/2 (gRPC). */
  readonly appProtocol?: AppProtocol;
  /** The inbound default policy; default `all-authenticated`, the mesh's own default. */
  readonly defaultPolicy?: InboundDefaultPolicy;
  /** An inbound proxy that also serves callers from outside the mesh (the gateway's). */
  readonly external?: boolean;
  /** More services for the caller's discovery, beside `ai-kernel`. */
  readonly moreServices?: Readonly<Record<string, readonly Endpoint[]>>;
}

export interface ProxyPair {
  /** The name the caller's app calls the callee by (its Host or :authority). */
  readonly authority: string;
  /** The caller's outbound proxy, where the app client connects. */
  readonly outboundPort: number;
  /** The callee's inbound proxy (the service's published port). */
  readonly inboundPort: number;
  readonly caller: TestWorkload;
  readonly callee: TestWorkload;
  readonly outboundRegistry: Registry;
  readonly inboundRegistry: Registry;
  close(): Promise<void>;
}

export async function startPair(mesh: TestMesh, options: PairOptions): Promise<ProxyPair> {
  const caller = await mesh.workload('api-gateway');
  const callee = await mesh.workload('ai-kernel');
  const inboundRegistry = new Registry();
  const outboundRegistry = new Registry();
  const inbound = await startInbound({
    listen: { host: '127.0.0.1', port: 0 },
    app: { host: '127.0.0.1', port: options.appPort },
    appProtocol: options.appProtocol ?? 'http1',
    identity: callee.client,
    defaultPolicy: options.defaultPolicy ?? 'all-authenticated',
    external: options.external ?? false,
    registry: inboundRegistry,
    logger: quietLogger(),
  });
  const inboundPort = inbound.address.port;
  const outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: caller.client,
    discovery: staticDiscovery({
      'ai-kernel': [{ address: `127.0.0.1:${inboundPort}`, identity: callee.identity }],
      ...options.moreServices,
    }),
    registry: outboundRegistry,
    logger: quietLogger(),
  });
  return {
    authority: 'ai-kernel',
    outboundPort: outbound.address.port,
    inboundPort,
    caller,
    callee,
    outboundRegistry,
    inboundRegistry,
    close: async () => {
      await outbound.close();
      await inbound.close();
    },
  };
}
