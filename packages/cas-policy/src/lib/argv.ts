// The service `command` of a session is one string; the runtime needs argv. Words are split like a POSIX shell
// would, without any expansion: whitespace separates words, '…' is literal, "…" keeps \" \\ \$ \` escapes,
// a backslash outside quotes escapes the next character. Variables, globs and operators are not interpreted.

export class CommandSyntaxError extends Error {
  override readonly name = 'CommandSyntaxError';
}

export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < command.length) {
    const c = command[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i += 1;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new CommandSyntaxError(`unterminated single quote at character ${i + 1}`);
      word += command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= command.length) throw new CommandSyntaxError(`unterminated double quote at character ${i + 1}`);
        const d = command[j] as string;
        if (d === '"') break;
        if (d === '\\' && j + 1 < command.length && '"\\$`\n'.includes(command[j + 1] as string)) {
          if (command[j + 1] !== '\n') word += command[j + 1];
          j += 2;
          continue;
        }
        word += d;
        j += 1;
      }
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= command.length) throw new CommandSyntaxError('trailing backslash');
      if (command[i + 1] !== '\n') word += command[i + 1];
      else if (word === '') inWord = false;
      i += 2;
    } else {
      word += c;
      i += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}
