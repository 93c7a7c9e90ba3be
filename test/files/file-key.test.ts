import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanContentType, isInlineContentType, newFileKey, parseFileKey, safeFileName, workspaceTagOf } from '../../src/files/file-key.js';

describe('file keys', () => {
  it('name the workspace by its tag and carry 128 random bits', () => {
    const a = newFileKey('p', 'w1', 'notes.txt');
    const b = newFileKey('p', 'w1', 'notes.txt');
    assert.equal(a.workspaceTag, workspaceTagOf('p', 'w1'));
    assert.equal(a.workspaceTag, b.workspaceTag);
    assert.notEqual(a.id, b.id);
    assert.equal(Buffer.from(a.id, 'base64url').length, 16);
    assert.notEqual(workspaceTagOf('p', 'w1'), workspaceTagOf('p', 'w2'));
    assert.notEqual(workspaceTagOf('p1', 'w'), workspaceTagOf('p', '1\nw'));
    assert.deepEqual(parseFileKey(a.key), a);
  });

  it('file names keep their extension and only safe characters', () => {
    assert.equal(safeFileName('Résumé final.PDF'), 'Resume_final.PDF');
    assert.equal(safeFileName('../../etc/passwd'), 'etc_passwd');
    assert.equal(safeFileName('.htaccess'), 'htaccess');
    assert.equal(safeFileName('日本語'), 'file');
    assert.equal(safeFileName(`${'a'.repeat(300)}.png`), `${'a'.repeat(96)}.png`);
  });

  it('parsing refuses anything the server does not make', () => {
    const { workspaceTag, id } = newFileKey('p', 'w', 'a.txt');
    for (const bad of ['', 'a/b/c', `${workspaceTag}/${id}`, `${workspaceTag}/${id}/../x`, `${workspaceTag}/${id}/..`, `${workspaceTag}/${id}/a/b`, `../${id}/a.txt`, `${workspaceTag}/${id}/.env`, `${workspaceTag}/${id}/a b`, `${workspaceTag}/${id}/a%2fb`]) {
      assert.equal(parseFileKey(bad), undefined, bad);
    }
  });

  it('only raster images are inline; content types are kept when well-formed', () => {
    assert.equal(isInlineContentType('image/png'), true);
    assert.equal(isInlineContentType('IMAGE/JPEG; q=1'), true);
    assert.equal(isInlineContentType('image/svg+xml'), false);
    assert.equal(isInlineContentType('text/html'), false);
    assert.equal(cleanContentType('text/plain; charset=utf-8'), 'text/plain; charset=utf-8');
    for (const bad of [undefined, '', 'text', 'text/html\r\nX-Evil: 1', 'a/b; c', `a/${'b'.repeat(300)}`]) {
      assert.equal(cleanContentType(bad), 'application/octet-stream', String(bad));
    }
  });
});
