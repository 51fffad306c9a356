/** The sidecar's environment: Linkerd's `LINKERD2_PROXY_*` variables and our `FUSION_PROXY_*`. */
export { PROXY_ENV, PROXY_ENV_PREFIXES } from './names.ts';
export type { ProxyEnv } from './proxy-env.ts';
export { ProxyEnvError, readProxyEnv } from './proxy-env.ts';
export type { AppProtocol, HostPort, PortRange, TcpUpstreamEnv } from './values.ts';
export {
  APP_PROTOCOLS,
  formatHostPort,
  INBOUND_DEFAULT_POLICIES,
  parseBool,
  parseConnectAddress,
  parseDuration,
  parseListenAddress,
} from './values.ts';
