/** identity: authentication and user management. Built on the service kit; see README.md. */
import { runService, whoamiRoute } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };
import { migrations } from './migrations.ts';

await runService({
  name: 'identity',
  version: pkg.version,
  database: { migrations },
  routes: whoamiRoute(),
});
