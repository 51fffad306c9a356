/** The public API: read-only JSON on `controlPlane.api.port` for the CLI and the dashboard. */
export type { IdentitiesSource } from './identities.ts';
export { identitiesView } from './identities.ts';
export type { ApiServer, ApiServerOptions } from './server.ts';
export { createApiServer } from './server.ts';
export type { ApiComponent, ApiOptions } from './start.ts';
export { startApi } from './start.ts';
export type { ConfigView, EndpointsView } from './views.ts';
export { configView, policiesView, servicesView, serviceView } from './views.ts';
