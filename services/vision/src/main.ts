/** vision: computer vision processing. Built on the service kit; see README.md. */
import { runService } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };

await runService({ name: 'vision', version: pkg.version });
