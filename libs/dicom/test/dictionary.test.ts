import { describe, expect, it } from 'vitest';
import { keywordForTag, lookupElement, tagForKeyword, vrForTag } from '../src/index.js';

describe('data dictionary (from dcmjs)', () => {
  it('maps keywords, tags and VRs both ways', () => {
    expect(tagForKeyword('PatientName')).toBe(0x00100010);
    expect(keywordForTag(0x0020000d)).toBe('StudyInstanceUID');
    expect(vrForTag(0x00080005)).toBe('CS');
    expect(vrForTag(0x00081110)).toBe('SQ');
    expect(lookupElement('NoSuchKeyword')).toBeUndefined();
    expect(lookupElement(0x00091010)).toBeUndefined();
  });

  it('resolves PS3.6 VR choices and group lengths', () => {
    expect(lookupElement(0x7fe00010)).toMatchObject({ vr: 'OW', vrChoice: 'OB or OW' });
    expect(lookupElement(0x00280106)).toMatchObject({ vr: 'US', vrChoice: 'US or SS' });
    expect(lookupElement(0x00100000)).toMatchObject({ vr: 'UL', keyword: 'GenericGroupLength' });
  });

  it('knows the repeating overlay groups 60xx', () => {
    expect(lookupElement(0x60003000)?.keyword).toBe('OverlayData');
    expect(lookupElement(0x60023000)).toMatchObject({ keyword: 'OverlayData', tag: 0x60023000 });
    expect(lookupElement(0x601e0010)?.vr).toBe('US');
    expect(lookupElement(0x60013000)).toBeUndefined(); // odd group: private
  });
});
