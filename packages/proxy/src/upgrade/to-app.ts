/**
 * The inbound side of an upgrade: the request takes a loopback connection of its own to the app
 * (a switched connection can never go back to the keep-alive pool), after the same admission,
 * policy and l5d-client-id as every request, since it passes the same layers on its way here.
 */
import type { HttpHandler } from '../http/message.ts';
import { type AppEndpoint, connectToApp } from '../inbound/app-streams.ts';
import type { Layer } from '../stack/stack.ts';
import { sendUpgrade } from './send.ts';

/** Sends upgrade requests to the app on connections of their own; others go to `inner`. */
export function upgradesToApp(app: AppEndpoint): Layer<HttpHandler> {
  return (inner) => (request) =>
    request.upgrade === undefined
      ? inner(request)
      : connectToApp(app).then((socket) => sendUpgrade(request, socket));
}
