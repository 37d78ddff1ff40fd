// The generator against the real Go module proxy.
import { createTreeWithEmptyWorkspace } from 'nx/src/devkit-testing-exports.js';
import { describe, expect, it } from 'vitest';
import { appGenerator } from './generator.js';

describe('nx g @confidential/app:app (Go module proxy)', () => {
  it('finds go-httpbin\'s main package and refuses a module the proxy does not have', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('packages/golang-patcher/patches/go1.27/README.md', 'patch\n');
    await appGenerator(tree, { name: 'httpbin', module: 'github.com/mccutchen/go-httpbin/v2@v2.26.0', main: './cmd/go-httpbin' });
    expect(tree.read('apps/httpbin/confidential.yml', 'utf8')).toContain('binary: go-httpbin');
    const before = tree.listChanges().length;
    await expect(appGenerator(tree, { name: 'nothing', module: 'github.com/confidential-go/does-not-exist@v1.0.0' })).rejects.toThrow(
      /^@confidential\/app:app: option "module" is invalid: the Go module proxy has no github.com\/confidential-go\/does-not-exist@v1.0.0 \(.+\)\.$/,
    );
    expect(tree.listChanges()).toHaveLength(before);
  });
});
