/** api-gateway: the entry point of the platform. Built on the service kit; see README.md. */
import { runService } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };
import { registerAggregateHealth } from './downstream-health.ts';

await runService({ name: 'api-gateway', version: pkg.version, routes: registerAggregateHealth });
