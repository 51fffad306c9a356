/** What the commands share about the terminal they print to. */
export { colourOf, paint, RED, terminalWidth, wantsColour, YELLOW } from './colour.ts';
