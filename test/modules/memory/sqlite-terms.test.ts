/**
 * SQLite's owner-scoped terms (src/modules/memory/dialects/sqlite-terms.ts, porter-stem.ts): the
 * stemmer gives FTS5's own `porter` stems, words fold their diacritics as unicode61 did, each owner
 * has its own terms, and a MATCH expression holds only quoted terms of the caller.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { porterStem } from '../../../src/modules/memory/dialects/porter-stem.js';
import { indexTerms, matchExpression, ownerKey, OWNER_KEY_LENGTH } from '../../../src/modules/memory/dialects/sqlite-terms.js';
import { HOSTILE_QUERIES } from './memory-store-cases.js';
import { searchTokens } from '../../../src/modules/memory/search-tokens.js';

const SUFFIXES = [
  's', 'es', 'sses', 'ies', 'ss', 'ed', 'eed', 'ing', 'at', 'bl', 'iz', 'y', 'ational', 'tional', 'enci', 'anci', 'izer', 'logi',
  'bli', 'alli', 'entli', 'eli', 'ousli', 'ization', 'ation', 'ator', 'alism', 'iveness', 'fulness', 'ousness', 'aliti',
  'iviti', 'biliti', 'ical', 'ness', 'icate', 'iciti', 'ful', 'ative', 'alize', 'al', 'ance', 'ence', 'er', 'ic', 'able',
  'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'sion', 'tion', 'ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'e', 'll', 'le',
];

/** Words built to reach every rule: a random stem (vowels, y, w, x and doubled consonants) and one or two suffixes. */
function ruleWords(count: number): string[] {
  const letters = 'aeiouybcdlmnrstwxzhp';
  let seed = 13;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const words = new Set<string>(['caresses', 'ponies', 'ties', 'cats', 'feed', 'agreed', 'plastered', 'motoring', 'sing', 'conflated', 'troubled',
    'sized', 'hopping', 'tanned', 'falling', 'hissing', 'fizzed', 'failing', 'filing', 'happy', 'sky', 'relational', 'conditional', 'rational',
    'valenci', 'digitizer', 'conformabli', 'radicalli', 'differentli', 'vileli', 'analogousli', 'vietnamization', 'predication', 'operator',
    'feudalism', 'decisiveness', 'hopefulness', 'callousness', 'formaliti', 'sensitiviti', 'sensibiliti', 'triplicate', 'formative', 'formalize',
    'electriciti', 'electrical', 'hopeful', 'goodness', 'revival', 'allowance', 'inference', 'airliner', 'gyroscopic', 'adjustable', 'defensible',
    'irritant', 'replacement', 'adjustment', 'dependent', 'adoption', 'homologou', 'communism', 'activate', 'angulariti', 'homologous', 'effective',
    'bowdlerize', 'probate', 'rate', 'cease', 'controll', 'roll', 'drinking', 'drinks', 'yes', 'eyes', 'aing', 'ab', 'abc']);
  while (words.size < count) {
    let word = '';
    for (let i = Math.floor(next() * 7); i > 0; i--) word += pick([...letters]);
    word += pick(SUFFIXES);
    if (next() < 0.3) word += pick(SUFFIXES);
    words.add(word);
  }
  return [...words];
}

/** What FTS5's tokenizer `spec` makes of each word, read back through an fts5vocab table. */
function fts5Terms(spec: string, words: readonly string[]): string[] {
  const db = new BetterSqlite3(':memory:');
  try {
    db.exec(`create virtual table t using fts5(x, tokenize='${spec}'); create virtual table v using fts5vocab(t, 'instance')`);
    const insert = db.prepare('insert into t(rowid, x) values (?, ?)');
    db.transaction(() => words.forEach((word, i) => insert.run(i + 1, word)))();
    const terms: string[] = new Array(words.length).fill('');
    for (const row of db.prepare('select term, doc from v').iterate() as Iterable<{ term: string; doc: number }>) terms[row.doc - 1] = row.term;
    return terms;
  } finally {
    db.close();
  }
}

describe('sqlite terms', () => {
  it('porter – stems every word as FTS5’s porter tokenizer does', () => {
    const words = ruleWords(20_000);
    const expected = fts5Terms('porter ascii', words);
    const wrong = words.filter((word, i) => porterStem(word) !== expected[i]).slice(0, 10);
    assert.deepEqual(wrong.map((word) => [word, porterStem(word), expected[words.indexOf(word)]]), []);
    assert.equal(porterStem('drinking'), 'drink');
    assert.equal(porterStem('x'.repeat(65) + 'ing'), 'x'.repeat(65) + 'ing', 'over 64 bytes: left as it is, as FTS5 does');
  });

  it('folds Latin diacritics as unicode61 remove_diacritics 2 did', () => {
    const words = ['café', 'naïve', 'Zoë', 'résumé', 'über', 'ångström', 'crème', 'jalapeño', 'façade', 'señor', 'coöperate', 'smørrebrød'];
    const expected = fts5Terms('porter unicode61 remove_diacritics 2', words);
    const key = ownerKey({ projectId: 'p', workspaceId: 'w', userId: 'u' });
    const ours = words.map((word) => indexTerms({ projectId: 'p', workspaceId: 'w', userId: 'u' }, word).slice(key.length));
    assert.deepEqual(ours, expected);
  });

  it('gives every owner its own terms, one per word, repeats kept', () => {
    const alice = { projectId: 'default', workspaceId: 'ws', userId: 'alice' };
    const bob = { projectId: 'default', workspaceId: 'ws', userId: 'bob' };
    assert.equal(ownerKey(alice).length, OWNER_KEY_LENGTH);
    assert.notEqual(ownerKey(alice), ownerKey(bob));
    assert.notEqual(ownerKey(alice), ownerKey({ ...alice, workspaceId: 'ws2' }));
    assert.notEqual(ownerKey({ projectId: 'a', workspaceId: 'b\u001fc', userId: 'd' }), ownerKey({ projectId: 'a\u001fb', workspaceId: 'c', userId: 'd' }));
    const key = ownerKey(alice);
    assert.equal(indexTerms(alice, 'Coffee, COFFEE and 咖啡!'), [`${key}coffe`, `${key}coffe`, `${key}and`, `${key}咖啡`].join(' '));
    assert.equal(matchExpression(alice, ['coffee', 'coffees']), `"${key}coffe"`, 'one term for words with one stem');
  });

  it('builds a MATCH of the caller’s quoted terms only, whatever the query', () => {
    const owner = { projectId: 'default', workspaceId: 'ws', userId: 'hostile' };
    const key = ownerKey(owner);
    const db = new BetterSqlite3(':memory:');
    try {
      db.exec("create virtual table t using fts5(x, tokenize='ascii')");
      db.prepare('insert into t(rowid, x) values (1, ?)').run(indexTerms(owner, 'coffee and tea, NEAR the café ☕ 咖啡'));
      const search = db.prepare('select rowid from t where t match ?');
      for (const query of HOSTILE_QUERIES) {
        const match = matchExpression(owner, searchTokens(query));
        if (match === undefined) continue;
        for (const term of match.split(' OR ')) assert.match(term, new RegExp(`^"${key}[^"\\s]+"$`, 'u'), JSON.stringify(query.slice(0, 20)));
        assert.doesNotThrow(() => search.all(match), JSON.stringify(query.slice(0, 20)));
      }
      assert.equal(search.all(matchExpression(owner, searchTokens('NOT coffee'))!).length, 1);
      assert.equal(search.all(matchExpression({ ...owner, userId: 'other' }, searchTokens('coffee'))!).length, 0);
    } finally {
      db.close();
    }
  });
});
