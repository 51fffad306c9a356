/** plugin: plugin management. Built on the service kit; see README.md. */
import { runService } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };
import { migrations } from './migrations.ts';

await runService({ name: 'plugin', version: pkg.version, database: { migrations } });
