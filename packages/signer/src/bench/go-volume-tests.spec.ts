import { describe, expect, it } from 'vitest';
import { execTests, verdicts } from './go-volume-tests.js';

describe('go-volume-tests', () => {
  it('finds the tests that start a process, directly or through a helper', () => {
    const sources = {
      'a_test.go': 'func TestPlain(t *testing.T) {\n\tos.WriteFile("x", nil, 0o600)\n}\nfunc helper(t *testing.T) {\n\tcmd := testenv.Command(t, "sleep")\n}\n',
      'b_test.go': 'func TestViaHelper(t *testing.T) {\n\thelper(t)\n}\nfunc TestDirect(t *testing.T) {\n\texec.Command("true")\n}\n',
    };
    expect(execTests(sources)).toEqual(['TestDirect', 'TestViaHelper']);
  });
  it('reads the last verdict of each test from test2json output', () => {
    const json = ['{"Action":"run","Test":"TestA"}', '{"Action":"pass","Test":"TestA"}', '{"Action":"fail","Test":"TestB/sub"}', 'noise', '{"Action":"pass"}'].join('\n');
    expect([...verdicts(json)]).toEqual([['TestA', 'pass'], ['TestB/sub', 'fail']]);
  });
});
