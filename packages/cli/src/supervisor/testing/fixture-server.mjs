// A stand-in component for supervisor tests: an HTTP server whose misbehaviour is chosen
// by environment variables. Plain JavaScript so it starts in milliseconds.
//   PORT                 port to listen on (127.0.0.1)
//   FIXTURE_NAME         appended to FIXTURE_EVENTS as "<name> start|ready|term" lines
//   FIXTURE_EVENTS       file recording start/stop order
//   FIXTURE_CRASH        exit 3 right away (never ready)
//   FIXTURE_NOT_READY    listen, but answer /ready with 503
//   FIXTURE_READY_FILE   answer /ready with 503 until this file exists (a test lets it be ready)
//   FIXTURE_IGNORE_TERM  ignore SIGTERM (the supervisor must SIGKILL)
//   FIXTURE_GRANDCHILD   spawn a sleeping grandchild, to check whole groups are stopped
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';

const name = process.env.FIXTURE_NAME ?? 'fixture';
const record = (event) => {
  if (process.env.FIXTURE_EVENTS) appendFileSync(process.env.FIXTURE_EVENTS, `${name} ${event}\n`);
};
record('start');
console.log(JSON.stringify({ level: 30, time: Date.now(), msg: `${name} starting` }));
if (process.env.FIXTURE_CRASH) {
  console.error('fatal: crashing on purpose');
  process.exit(3);
}
if (process.env.FIXTURE_GRANDCHILD) {
  const grandchild = spawn('sleep', ['300'], { stdio: 'ignore' });
  record(`grandchild ${grandchild.pid}`);
}
const server = createServer((req, res) => {
  const gate = process.env.FIXTURE_READY_FILE;
  const ready = !process.env.FIXTURE_NOT_READY && (!gate || existsSync(gate));
  res.writeHead(req.url === '/ready' && !ready ? 503 : 200).end('ok');
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => record('listening'));
process.on('SIGTERM', () => {
  record('term');
  if (process.env.FIXTURE_IGNORE_TERM) return;
  server.close(() => process.exit(0));
});
