// Text arriving in chunks (a build stream, a child process's output), cut into lines.

/** Cuts text arriving in chunks into lines: each complete line goes to `onLine`; `rest` is what follows the last newline. */
export function lineSplitter(onLine: (line: string) => void): { write(chunk: string): void; readonly rest: string } {
  let rest = '';
  return {
    write(chunk: string) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    get rest() {
      return rest;
    },
  };
}
