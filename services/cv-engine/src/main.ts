/** cv-engine: CV and portfolio generation. Built on the service kit; see README.md. */
import { runService } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };
import { migrations } from './migrations.ts';

await runService({ name: 'cv-engine', version: pkg.version, database: { migrations } });
