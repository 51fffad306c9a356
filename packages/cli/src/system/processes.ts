/**
 * What the operating system can tell us about processes: whether one is alive, its
 * command line, and the TCP ports it listens on (read from /proc on Linux).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, or undefined where /proc is unavailable or it is gone. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * TCP addresses in LISTEN state owned by `pid`: its socket inodes from /proc/PID/fd matched
 * against /proc/net/tcp{,6}. Returns undefined when /proc can't tell (not Linux, or gone).
 */
export function listeningAddresses(pid: number): ListenAddress[] | undefined {
  let inodes: Set<string>;
  try {
    inodes = new Set();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = safeReadlink(`/proc/${pid}/fd/${fd}`);
      const match = target && /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]!);
    }
  } catch {
    return undefined;
  }
  const found: ListenAddress[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const entry of readTcpTable(table)) {
      if (entry.state === LISTEN && inodes.has(entry.inode)) found.push(entry.address);
    }
  }
  return found.sort((a, b) => a.port - b.port || a.host.localeCompare(b.host));
}

const LISTEN = '0A';

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function readTcpTable(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length > 9)
    .map((cols) => ({ address: decodeAddress(cols[1]!), state: cols[3]!, inode: cols[9]! }));
}

/** /proc/net/tcp writes addresses as little-endian hex words: `0100007F:1F40` is 127.0.0.1:8000. */
export function decodeAddress(hex: string): ListenAddress {
  const [ipHex = '', portHex = '0'] = hex.split(':');
  const port = Number.parseInt(portHex, 16);
  if (ipHex.length === 8) {
    const bytes = ipHex.match(/../g)!.map((b) => Number.parseInt(b, 16));
    return { host: bytes.reverse().join('.'), port };
  }
  const words = ipHex.match(/.{8}/g) ?? [];
  const groups = words.flatMap((word) => {
    const b = word.match(/../g)!.reverse().join('');
    return [b.slice(0, 4), b.slice(4, 8)];
  });
  const v4Mapped = groups.slice(0, 5).every((g) => g === '0000') && groups[5] === 'FFFF';
  if (v4Mapped) {
    const tail = groups.slice(6).join('');
    const bytes = tail.match(/../g)!.map((b) => Number.parseInt(b, 16));
    return { host: bytes.join('.'), port };
  }
  const compact = groups.map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':');
  return { host: compact === '0:0:0:0:0:0:0:0' ? '::' : compact, port };
}

/** The pid holding a listening socket on `port`, where /proc can tell. */
export function pidListeningOn(port: number): number | undefined {
  for (const pidName of safeReaddir('/proc')) {
    if (!/^\d+$/.test(pidName)) continue;
    const pid = Number(pidName);
    const addresses = listeningAddresses(pid);
    if (addresses?.some((a) => a.port === port)) return pid;
  }
  return undefined;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
