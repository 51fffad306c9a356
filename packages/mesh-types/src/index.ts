/** Types shared by every part of the mesh. No runtime dependencies. */
export type { AuditRecord } from './audit.ts';
export type {
  AuditSettings,
  ControlPlaneSettings,
  FusionConfig,
  InboundDefaultPolicy,
  InfrastructureSettings,
  LoggingSettings,
  LogLevel,
  MeshSettings,
  ObservabilitySettings,
  PostgresSettings,
  ReadinessSettings,
  ServiceConfig,
  ServiceProtocol,
  ServiceStart,
} from './config.ts';
export { replicaNames } from './config.ts';
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
export type {
  AuthorizationRule,
  CircuitBreakerPolicy,
  ClientMatch,
  FailureAccrual,
  FaultInjectionPolicy,
  FaultShare,
  InboundAuthorization,
  InboundPolicy,
  OutboundPolicy,
  OutboundRoute,
  RateLimit,
  RateLimitOverride,
  RateLimitPolicy,
  RetryBudget,
  RetryPolicy,
  RouteMatch,
  ServicePolicy,
  SessionAffinity,
  WeightedBackend,
} from './policy.ts';
export { identityMatches } from './policy.ts';
export type { PolicyUpdate, PolicyWatchRequest } from './policy-api.ts';
export { POLICY_WATCH_PATH } from './policy-api.ts';
export type {
  AuthorizationPolicyBlock,
  AuthorizationRuleConfig,
  CircuitBreaker,
  ClientsConfig,
  FailureAccrualConfig,
  FaultInjectionBlock,
  GrpcStatusCondition,
  HttpMethod,
  LabelSelector,
  MirrorConfig,
  RateConfig,
  RateLimitBlock,
  RateOverrideConfig,
  RetriesConfig,
  RetryBudgetConfig,
  RetryCondition,
  RouteConfig,
  RouteMatchConfig,
  SessionAffinityConfig,
  SplitBackendConfig,
  StatusRange,
  TlsMode,
  TrafficPolicy,
  TrafficRule,
  TrafficRulePolicy,
} from './policy-blocks.ts';
export type { PolicyField } from './policy-fields.ts';
export { ENFORCED_POLICY_FIELDS, POLICY_FIELDS } from './policy-fields.ts';
export type {
  ApiCertificate,
  ApiConfig,
  ApiConfigError,
  ApiDiagnostic,
  ApiEndpoint,
  ApiEndpointState,
  ApiErrorBody,
  ApiErrorCode,
  ApiIdentities,
  ApiIndex,
  ApiPolicyList,
  ApiService,
  ApiServiceList,
} from './public-api.ts';
export { API_V1_PATHS, API_V1_PREFIX } from './public-api.ts';
export type {
  JaegerError,
  JaegerLog,
  JaegerOperation,
  JaegerProcess,
  JaegerReference,
  JaegerResponse,
  JaegerSpan,
  JaegerTag,
  JaegerTagType,
  JaegerTrace,
} from './trace-api.ts';
export { OTLP_TRACES_PATH, TRACE_QUERY_PATHS } from './trace-api.ts';
