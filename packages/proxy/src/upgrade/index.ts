/**
 * HTTP/1.1 upgrades (WebSocket) between proxies: accepted by both listeners' HTTP/1.1 engine
 * (h1/), carried through the ordinary stacks as requests marked `upgrade`, sent on a connection
 * of their own (mesh TLS with ALPN http/1.1 between the proxies, loopback to the app), then
 * piped both ways after the 101.
 * See docs/decisions/0010-upgrades-between-proxies.md.
 */
export { sendUpgrade } from './send.ts';
export { upgradesToApp } from './to-app.ts';
export type { UpgradesToPeerOptions } from './to-peer.ts';
export { upgradesToPeer } from './to-peer.ts';
