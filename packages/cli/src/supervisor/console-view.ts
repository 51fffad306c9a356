/**
 * What `fusion up` shows in the foreground. On a terminal: a live status list while the
 * platform starts, then coloured log lines prefixed by component. Piped or in CI: plain
 * lines only, no cursor movement, so logs read well in files.
 */
import { styleText } from 'node:util';
import type { LogRecord } from './log-sink.ts';
import type { ComponentStatus, SupervisorState } from './state-file.ts';

type Colour = Parameters<typeof styleText>[0];

const PALETTE: readonly Colour[] = [
  'cyan',
  'magenta',
  'blue',
  'yellow',
  'green',
  'cyanBright',
  'magentaBright',
  'blueBright',
];
const STATE_COLOUR: Record<string, Colour> = {
  pending: 'gray',
  starting: 'yellow',
  ready: 'green',
  restarting: 'yellow',
  stopping: 'gray',
  stopped: 'gray',
  failed: 'red',
};
const LEVEL_RANK: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export interface ConsoleViewOptions {
  readonly out: NodeJS.WriteStream;
  /** Live redrawing and colour; false for pipes and CI. */
  readonly interactive: boolean;
  /** Least level of component logs echoed to the console once running (files get all). */
  readonly echoLevel: string;
}

export class ConsoleView {
  private readonly options: ConsoleViewOptions;
  private readonly width: number;
  private drawnLines = 0;
  private live = true;
  private lastStates = new Map<string, string>();
  private readonly colours = new Map<string, Colour>();

  constructor(options: ConsoleViewOptions, componentNames: readonly string[]) {
    this.options = options;
    this.width = Math.max(12, ...componentNames.map((n) => n.length));
    componentNames.forEach((name, i) => {
      this.colours.set(name, PALETTE[i % PALETTE.length]!);
    });
  }

  /** Redraws the status list (terminal) or prints state transitions (plain). */
  showState(state: SupervisorState): void {
    const drawList = this.options.interactive && this.live;
    if (drawList) this.redraw(state.components);
    for (const component of state.components) {
      if (this.lastStates.get(component.name) === component.state) continue;
      this.lastStates.set(component.name, component.state);
      // The live list already shows it; remembering it keeps the switch to lines quiet.
      if (drawList || component.state === 'pending') continue;
      this.print(this.prefix('fusion'), `${component.name} ${component.state}${detail(component)}`);
    }
  }

  /** Leaves the status list on screen and switches to streaming log lines. */
  endLiveList(summary: string): void {
    this.live = false;
    this.drawnLines = 0;
    this.print(this.prefix('fusion'), summary);
  }

  showLog(source: string, record: LogRecord): void {
    // The supervisor's routine events are state changes, which showState prints already;
    // only its errors (why something died, with its last lines) add to the picture.
    const rank = LEVEL_RANK[record.level] ?? 30;
    if (source === 'supervisor' && rank < 50) return;
    if (this.live && this.options.interactive && source !== 'supervisor') return;
    if (rank < (LEVEL_RANK[this.options.echoLevel] ?? 30)) return;
    if (this.live && this.options.interactive) this.clearList();
    const level = this.paint(levelColour(record.level), record.level.padEnd(5));
    const extra = record.lastLines ? `\n    ${(record.lastLines as string[]).join('\n    ')}` : '';
    this.print(this.prefix(source), `${level} ${record.msg}${extra}`);
  }

  message(text: string): void {
    this.print(this.prefix('fusion'), text);
  }

  private redraw(components: readonly ComponentStatus[]): void {
    this.clearList();
    const lines = components.map((c) => {
      const state = this.paint(STATE_COLOUR[c.state] ?? 'white', c.state.padEnd(10));
      return `  ${c.name.padEnd(this.width)}  ${state} ${c.addresses.join(', ')}${detail(c)}`;
    });
    this.options.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private clearList(): void {
    if (this.drawnLines === 0) return;
    // Up to the first line of the list, then erase everything below the cursor.
    this.options.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  private prefix(source: string): string {
    const time = new Date().toISOString().slice(11, 23);
    const name = this.paint(this.colours.get(source) ?? 'white', source.padEnd(this.width));
    return `${this.paint('gray', time)} ${name} |`;
  }

  private paint(colour: Colour, text: string): string {
    return this.options.interactive ? styleText(colour, text) : text;
  }

  private print(prefix: string, text: string): void {
    this.options.out.write(`${prefix} ${text}\n`);
  }
}

function detail(c: ComponentStatus): string {
  if (c.state === 'failed' && c.error) return ` (${c.error})`;
  if (c.state === 'restarting' && c.lastExit) return ` (${c.lastExit}; restart #${c.restarts})`;
  if (c.state === 'ready' && c.pid) return ` pid ${c.pid}`;
  return '';
}

function levelColour(level: string): Colour {
  const rank = LEVEL_RANK[level] ?? 30;
  if (rank >= 50) return 'red';
  if (rank >= 40) return 'yellow';
  if (rank <= 20) return 'gray';
  return 'green';
}
