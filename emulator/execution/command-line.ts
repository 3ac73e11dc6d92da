/**
 * Splits a task command line into argv the way the Batch node agent does on Linux: words separated by
 * blanks, with '…' and "…" quoting and backslash escapes, and nothing else. No shell runs, so `$VAR`,
 * globs, pipes and redirections are passed through as text; a command line that wants them starts with
 * `/bin/sh -c '…'`, exactly as on the service.
 */
export function splitCommandLine(commandLine: string): string[] {
  const state: Split = { args: [], current: "", inWord: false, quote: undefined };
  for (let i = 0; i < commandLine.length; i++) {
    i = state.quote === undefined ? unquoted(state, commandLine, i) : quoted(state, commandLine, i);
  }
  if (state.inWord) state.args.push(state.current);
  return state.args;
}

interface Split {
  readonly args: string[];
  current: string;
  inWord: boolean;
  quote: "'" | '"' | undefined;
}

/** Inside quotes: the closing quote ends them; in "…" a backslash escapes the next character. Returns the last index read. */
function quoted(state: Split, text: string, i: number): number {
  const char = text[i] ?? "";
  if (char === state.quote) {
    state.quote = undefined;
  } else if (char === "\\" && state.quote === '"' && i + 1 < text.length) {
    state.current += text[i + 1] ?? "";
    return i + 1;
  } else {
    state.current += char;
  }
  return i;
}

/** Outside quotes: a quote opens, a backslash escapes, a blank ends the word. Returns the last index read. */
function unquoted(state: Split, text: string, i: number): number {
  const char = text[i] ?? "";
  if (char === "'" || char === '"') {
    state.quote = char;
    state.inWord = true;
    return i;
  }
  if (char === "\\" && i + 1 < text.length) {
    state.current += text[i + 1] ?? "";
    state.inWord = true;
    return i + 1;
  }
  if (/\s/.test(char)) {
    if (state.inWord) state.args.push(state.current);
    state.current = "";
    state.inWord = false;
    return i;
  }
  state.current += char;
  state.inWord = true;
  return i;
}
