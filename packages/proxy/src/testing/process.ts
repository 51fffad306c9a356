/**
 * fusion-proxy as a separate process, the way a supervisor runs it: Linkerd's environment with
 * loopback listeners on free ports, JSON log lines collected as they come. Shared by the tests
 * that start the real program (main.*.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly ports: { readonly inbound: number; readonly outbound: number; readonly admin: number };
  /** Every JSON line it has logged so far. */
  readonly lines: readonly Record<string, unknown>[];
  /** Resolves once a line with this `msg` was logged; rejects if the process exits first. */
  logged(msg: string, limitMs?: number): Promise<void>;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

export type ProxyPorts = ProxyProcess['ports'];

/**
 * Starts the proxy with the listen addresses, JSON logs and the default policy set, and the
 * variables `env` gives for its ports (identity, the app's address, anything under test) on top.
 */
export async function startProxyProcess(
  env: (ports: ProxyPorts) => Record<string, string>,
): Promise<ProxyProcess> {
  const ports = { inbound: await freePort(), outbound: await freePort(), admin: await freePort() };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      LINKERD2_PROXY_LOG: 'warn,linkerd=info',
      LINKERD2_PROXY_LOG_FORMAT: 'json',
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-authenticated',
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: `127.0.0.1:${ports.inbound}`,
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: `127.0.0.1:${ports.outbound}`,
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: `127.0.0.1:${ports.admin}`,
      ...env(ports),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  return {
    child,
    ports,
    lines,
    exited,
    async logged(msg, limitMs = 30_000) {
      const deadline = Date.now() + limitMs;
      while (!lines.some((l) => l.msg === msg)) {
        if (ended)
          throw new Error(`exited before '${msg}': ${lines.map((l) => l.msg).join(' | ')}`);
        if (Date.now() > deadline) throw new Error(`no '${msg}' within ${limitMs} ms`);
        await sleep(20);
      }
    },
  };
}
