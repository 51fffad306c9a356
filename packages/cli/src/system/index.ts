/** Operating-system facts the supervisor and `fusion status` rely on. */
export type { ListenAddress } from './processes.ts';
export {
  commandLine,
  decodeAddress,
  isAlive,
  listeningAddresses,
  pidListeningOn,
} from './processes.ts';
export { isPortFree } from './ports.ts';
