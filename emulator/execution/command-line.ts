/**
 * Splits a task command line into argv the way the Batch node agent does on Linux: words separated by
 * blanks, with '…' and "…" quoting and backslash escapes, and nothing else. No shell runs, so `$VAR`,
 * globs, pipes and redirections are passed through as text; a command line that wants them starts with
 * `/bin/sh -c '…'`, exactly as on the service.
 */
export function splitCommandLine(commandLine: string): string[] {
  const args: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < commandLine.length; i++) {
    const char = commandLine[i] ?? "";
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < commandLine.length) current += commandLine[++i] ?? "";
      else current += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < commandLine.length) {
      current += commandLine[++i] ?? "";
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) args.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  return args;
}
