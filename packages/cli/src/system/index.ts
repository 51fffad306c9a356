/** Operating-system facts the supervisor and `fusion status` rely on. */

export { isPortFree } from './ports.ts';
export type { ListenAddress } from './processes.ts';
export {
  commandLine,
  decodeAddress,
  isAlive,
  listeningAddresses,
  pidListeningOn,
} from './processes.ts';
