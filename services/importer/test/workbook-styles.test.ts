import { describe, expect, it } from 'vitest';
import { readDateStyles } from '../src/source/workbook-styles';

describe('readDateStyles', () => {
  it('finds custom and built-in date formats by style index', () => {
    const xml = `<?xml version="1.0"?>
      <x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
        <x:numFmts count="3">
          <x:numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>
          <x:numFmt formatCode="#,##0.00 &quot;EUR&quot;" numFmtId="165"/>
          <x:numFmt numFmtId="166" formatCode="[$-409]mmm d, yyyy"/>
        </x:numFmts>
        <x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs>
        <x:cellXfs count="5">
          <x:xf numFmtId="0" fontId="0"/>
          <x:xf numFmtId="164" applyNumberFormat="1"/>
          <x:xf numFmtId="165" applyNumberFormat="1"/>
          <x:xf numFmtId="14"><x:alignment horizontal="left"/></x:xf>
          <x:xf numFmtId="166"/>
        </x:cellXfs>
      </x:styleSheet>`;
    expect([...readDateStyles(xml).keys()]).toEqual([1, 3, 4]);
  });

  it('returns nothing without cell formats', () => {
    expect(readDateStyles('<styleSheet/>').size).toBe(0);
  });
});
