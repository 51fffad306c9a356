/** api-gateway: the entry point of the platform. Built on the service kit; see README.md. */
import { runService, whoamiRoute } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };
import { registerAggregateHealth } from './downstream-health.ts';

await runService({
  name: 'api-gateway',
  version: pkg.version,
  routes: (app, ctx) => {
    registerAggregateHealth(app, ctx);
    // gateway → ai-kernel → identity: one request that crosses two proxy pairs.
    whoamiRoute('ai-kernel')(app, ctx);
  },
});
