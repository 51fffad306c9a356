/**
 * Colour for the commands people read in a terminal (`fusion logs`, `fusion trace`): on only
 * for a terminal and never with NO_COLOR set (https://no-color.org); each name (a component, a
 * service) always in the same colour, so one follows it down a screen.
 */

export const RED = 31;
export const YELLOW = 33;
const PALETTE = [36, 32, 35, 34, 33, 96, 92, 95, 94, 93];

export function wantsColour(stream: NodeJS.WriteStream, env = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** `text` in ANSI colour `code` when `colour` is on. */
export function paint(colour: boolean, code: number | undefined, text: string): string {
  return colour && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** The same name always gets the same colour. */
export function colourOf(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** The terminal's width, or 80 when the output is not a terminal (a pipe, a file). */
export function terminalWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY === true && stream.columns > 0 ? stream.columns : 80;
}
