import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { csvBytes, csvField, decimal } from '../../src/reports/csv.ts';

describe('CSV for Excel on a Chinese Windows machine', () => {
  test('UTF-8 starts with the byte-order mark Excel needs, then CRLF rows', () => {
    const b = csvBytes([['门店', '金额'], ['士林夜市', '12.50']]);
    assert.deepEqual([...b.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    // 门 is E9 97 A8 in UTF-8.
    assert.deepEqual([...b.subarray(3, 6)], [0xe9, 0x97, 0xa8]);
    assert.equal(b.subarray(3).toString('utf8'), '门店,金额\r\n士林夜市,12.50\r\n');
  });

  test('GB18030 for older Excel and WPS: no BOM, GBK bytes for common characters, Traditional ones kept', () => {
    const b = csvBytes([['门店', '營業額']], 'gb18030');
    // 门 is C3 C5 in GBK/GB18030.
    assert.deepEqual([...b.subarray(0, 2)], [0xc3, 0xc5]);
    assert.equal(iconv.decode(b, 'gb18030'), '门店,營業額\r\n');
  });

  test('fields that need it are quoted; text that Excel would run as a formula stays text', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('=HYPERLINK("x")'), '"\t=HYPERLINK(""x"")"');
    assert.equal(csvField('-12.50'), '-12.50', 'a negative amount is a number');
    assert.equal(csvField(null), '');
  });

  test('minor units become decimal yuan without floats', () => {
    assert.deepEqual([decimal(0), decimal(5), decimal(1250), decimal(-888), decimal(900719925474099)], ['0.00', '0.05', '12.50', '-8.88', '9007199254740.99']);
  });
});
