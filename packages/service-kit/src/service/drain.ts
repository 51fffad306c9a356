/**
 * Keep-alive and draining. `forceCloseConnections: 'idle'` closes the connections that are idle
 * when close() starts, but a connection busy with an in-flight request becomes idle only after
 * its response and would then be held open by the client until the keep-alive timeout, stalling
 * the shutdown. Responses sent while closing therefore carry `Connection: close`, so each socket
 * ends with its last response.
 */
import type { ServiceApp } from './context.ts';

export function closeConnectionsWhileDraining(app: ServiceApp): void {
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
}
