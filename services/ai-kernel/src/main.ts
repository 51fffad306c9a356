/** ai-kernel: central AI orchestration. Built on the service kit; see README.md. */
import { runService, whoamiRoute } from '@fusion/service-kit';
import pkg from '../package.json' with { type: 'json' };

await runService({ name: 'ai-kernel', version: pkg.version, routes: whoamiRoute('identity') });
