/** Types shared by every part of the mesh. No runtime dependencies. */
export type {
  CircuitBreaker,
  ControlPlaneSettings,
  FusionConfig,
  InboundDefaultPolicy,
  InfrastructureSettings,
  LabelSelector,
  LoggingSettings,
  LogLevel,
  MeshSettings,
  PostgresSettings,
  ReadinessSettings,
  ServiceConfig,
  ServiceProtocol,
  ServiceStart,
  TlsMode,
  TrafficPolicy,
  TrafficRule,
} from './config.ts';
export type {
  DeregisterRequest,
  DeregisterResponse,
  DestinationEndpoint,
  DestinationErrorBody,
  DestinationRefusalCode,
  DestinationUpdate,
  GetRequest,
  HeartbeatRequest,
  LeaseResponse,
  RegisterRequest,
} from './destination-api.ts';
export {
  DEREGISTER_PATH,
  DESTINATION_REFUSAL_STATUS,
  GET_PATH,
  HEARTBEAT_PATH,
  NDJSON_CONTENT_TYPE,
  REGISTER_PATH,
} from './destination-api.ts';
export type { Diagnostic, Severity } from './diagnostics.ts';
export { formatDiagnostic } from './diagnostics.ts';
export type {
  CertifyErrorBody,
  CertifyRefusalCode,
  CertifyRequest,
  CertifyResponse,
} from './identity-api.ts';
export { CERTIFY_PATH, CERTIFY_REFUSAL_STATUS } from './identity-api.ts';
