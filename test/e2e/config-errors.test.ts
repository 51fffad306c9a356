/** `fusion up` refuses a broken fusion.yaml with file:line:col and starts nothing. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { preparePlatform } from './helpers/platform.ts';

describe('fusion up with a broken fusion.yaml', () => {
  const platform = preparePlatform(7300);
  const original = readFileSync(platform.configPath, 'utf8');
  after(() => platform.cleanup());

  const cases: { name: string; edit: (text: string) => string; expect: RegExp }[] = [
    {
      name: 'a misspelt key',
      edit: (t) => t.replace('    dependsOn: [identity]\n', '    dependOn: [identity]\n'),
      expect: /fusion\.yaml:\d+:5: .*dependOn.*did you mean 'dependsOn'/,
    },
    {
      name: 'a wrong type',
      edit: (t) => t.replace(/( {2}vision:\n {4}port: )\d+/, '$1eighty'),
      expect: /fusion\.yaml:\d+:11: .*port.*expected an integer/,
    },
    {
      name: 'a duplicate port',
      edit: (t) => t.replace(/( {2}plugin:\n {4}port: )\d+/, `$1${platform.ports.vision}`),
      expect: new RegExp(
        `fusion\\.yaml:\\d+:11: .*port ${platform.ports.vision} is already used by service 'vision'`,
      ),
    },
  ];

  for (const { name, edit, expect } of cases) {
    test(`${name}: refused with its position, nothing started`, async () => {
      const text = edit(original);
      assert.notEqual(text, original, 'the edit applied');
      writeFileSync(platform.configPath, text);
      const up = await platform.fusion(['up', '--detach']);
      assert.equal(up.code, 1);
      assert.match(up.stderr, expect);
      assert.equal(existsSync(join(platform.stateDir, 'run/fusion.pid')), false);
      const validate = await platform.fusion(['config', 'validate']);
      assert.equal(validate.code, 1);
      assert.match(validate.stderr, expect);
    });
  }
});
