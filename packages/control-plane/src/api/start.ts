/**
 * The public API component: its server on `controlPlane.api.port` (FUSION_API_LISTEN_ADDR),
 * reading the config source, the endpoint registry and the identity service's issuer. It holds
 * no state of its own, so it starts last and may stop first.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from '@fusion/telemetry';
import type { Component } from '../component.ts';
import type { IdentitiesSource } from './identities.ts';
import { createApiServer } from './server.ts';
import type { ConfigView, EndpointsView } from './views.ts';

export interface ApiOptions {
  readonly host: string;
  /** 0 picks a free port; `address` says which. */
  readonly port: number;
  readonly config: ConfigView;
  readonly endpoints: EndpointsView;
  readonly identities: IdentitiesSource;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface ApiComponent extends Component {
  readonly name: 'api';
  readonly address: AddressInfo;
}

export async function startApi(options: ApiOptions): Promise<ApiComponent> {
  const server = createApiServer(options);
  const address = await server.listen(options.host, options.port);
  options.logger.info({ address: `${address.address}:${address.port}` }, 'public API listening');
  return {
    name: 'api',
    address,
    ready: () =>
      server.address()
        ? { ready: true }
        : { ready: false, reason: 'the API server is not listening' },
    close: () => server.close(),
  };
}
