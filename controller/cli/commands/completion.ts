/**
 * `batch-gitops completion bash|zsh|fish`: a completion script for the shell, generated from the
 * command list and the flags each command's usage text names, so it never lists a stale flag.
 */
import type { Command } from "../command.js";
import { usageFailure } from "../usage.js";

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];
const GLOBAL_FLAGS = ["--help", "--version", "--no-color"];

const USAGE = `Usage: batch-gitops completion bash|zsh|fish

Prints a shell completion script for commands and their flags. Install it with:
  bash:  batch-gitops completion bash > ~/.local/share/bash-completion/completions/batch-gitops
  zsh:   batch-gitops completion zsh > "\${fpath[1]}/_batch-gitops"
  fish:  batch-gitops completion fish > ~/.config/fish/completions/batch-gitops.fish
or, for the current shell only: source <(batch-gitops completion bash)`;

interface CompletedCommand {
  words: string[];
  summary: string;
  flags: string[];
}

/** The long flags a usage text names (`--output`, `--batch-url`...), in order, once each. */
export function flagsOf(usage: string): string[] {
  return [...new Set([...usage.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]))];
}

function completed(all: readonly Command[]): CompletedCommand[] {
  return all.map((c) => ({ words: [c.name, ...(c.aliases ?? [])], summary: c.summary, flags: [...flagsOf(c.usage), "--help"] }));
}

/** Single quotes for a shell word; a quote inside becomes '\''. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function bashScript(commands: CompletedCommand[]): string {
  const names = [...commands.flatMap((c) => c.words), ...GLOBAL_FLAGS].join(" ");
  const cases = commands.map((c) => `    ${c.words.join("|")}) opts=${quote(c.flags.join(" "))} ;;`);
  return `# bash completion for batch-gitops (batch-gitops completion bash)
_batch_gitops() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${quote(names)} -- "$cur") )
    return 0
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts --no-color" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _batch_gitops batch-gitops`;
}

function zshScript(commands: CompletedCommand[]): string {
  const described = commands.flatMap((c) => c.words.map((w) => `    ${quote(`${w}:${c.summary.replaceAll(":", "\\:")}`)}`));
  const cases = commands.map((c) => `    ${c.words.join("|")}) opts=(${c.flags.join(" ")}) ;;`);
  return `#compdef batch-gitops
# zsh completion for batch-gitops (batch-gitops completion zsh)
_batch_gitops() {
  local -a commands opts
  commands=(
${described.join("\n")}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'batch-gitops command' commands
    compadd -- ${GLOBAL_FLAGS.join(" ")}
    return
  fi
  case $words[2] in
${cases.join("\n")}
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $opts --no-color
  else
    _files
  fi
}
compdef _batch_gitops batch-gitops`;
}

function fishScript(commands: CompletedCommand[]): string {
  const lines = [
    "# fish completion for batch-gitops (batch-gitops completion fish)",
    "complete -c batch-gitops -f -n __fish_use_subcommand -l version -d 'print the version'",
    "complete -c batch-gitops -l no-color -d 'no colours'",
  ];
  for (const c of commands) {
    for (const word of c.words) lines.push(`complete -c batch-gitops -f -n __fish_use_subcommand -a ${word} -d ${quote(c.summary)}`);
    for (const flag of c.flags)
      lines.push(`complete -c batch-gitops -n ${quote(`__fish_seen_subcommand_from ${c.words.join(" ")}`)} -l ${flag.slice(2)}`);
  }
  return lines.join("\n");
}

export function completionScript(shell: Shell, all: readonly Command[]): string {
  const commands = completed(all);
  return shell === "bash" ? bashScript(commands) : shell === "zsh" ? zshScript(commands) : fishScript(commands);
}

/** The command needs the full list, which includes itself: index.ts passes a getter. */
export function createCompletionCommand(all: () => readonly Command[]): Command {
  return {
    name: "completion",
    summary: "print a bash, zsh or fish completion script",
    usage: USAGE,
    run(args: string[]): Promise<number> {
      const [shell, ...extra] = args;
      const known = SHELLS.find((s) => s === shell);
      if (known === undefined || extra.length > 0) {
        return Promise.resolve(usageFailure("completion", `name one shell: ${SHELLS.join(", ")}`));
      }
      console.log(completionScript(known, all()));
      return Promise.resolve(0);
    },
  };
}
