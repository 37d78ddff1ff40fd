import { describe, expect, it } from 'vitest';
import { CommandSyntaxError, splitCommand } from './argv.js';

describe('splitCommand', () => {
  it('splits the original command into words', () => {
    expect(splitCommand('caddy file-server --domain localhost')).toEqual(['caddy', 'file-server', '--domain', 'localhost']);
  });
  it('collapses runs of whitespace and ignores leading/trailing blanks', () => {
    expect(splitCommand('  a \t b\n c  ')).toEqual(['a', 'b', 'c']);
  });
  it('keeps single-quoted text literally', () => {
    expect(splitCommand(`echo 'a  b' '$HOME' 'x"y'`)).toEqual(['echo', 'a  b', '$HOME', 'x"y']);
  });
  it('handles double quotes with escapes and joins adjacent quoted parts', () => {
    expect(splitCommand(`sh -c "echo \\"hi\\" \\$X" a"b"'c'`)).toEqual(['sh', '-c', 'echo "hi" $X', 'abc']);
    expect(splitCommand(`"a\\nb"`)).toEqual(['a\\nb']);
  });
  it('keeps empty quoted words', () => {
    expect(splitCommand(`prog "" ''`)).toEqual(['prog', '', '']);
  });
  it('treats a backslash outside quotes as escaping the next character', () => {
    expect(splitCommand('a\\ b c\\\\d')).toEqual(['a b', 'c\\d']);
  });
  it('does not expand variables or globs', () => {
    expect(splitCommand('ls $HOME *.go')).toEqual(['ls', '$HOME', '*.go']);
  });
  it('refuses unterminated quotes and a trailing backslash', () => {
    expect(() => splitCommand(`echo 'abc`)).toThrow(CommandSyntaxError);
    expect(() => splitCommand(`echo "abc`)).toThrow(/unterminated double quote at character 6/);
    expect(() => splitCommand('echo \\')).toThrow(/trailing backslash/);
  });
  it('gives no words for an empty command', () => {
    expect(splitCommand('   ')).toEqual([]);
  });
});
