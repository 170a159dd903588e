"""Prints, as JSON, every text element (PN LO SH LT ST UT UC) of pydicom's charset test files: the raw
value bytes, the Specific Character Set in effect (inherited into sequence items) and the string
pydicom decodes it to ('\\'-joined for several values). The character-set test compares our decoder
with this. Usage: /usr/bin/python3 pydicom-charsets.py"""
import json, os, sys, warnings
import pydicom
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement

warnings.simplefilter("ignore")
CHARSET_DIR = os.path.join(os.path.dirname(pydicom.__file__), "data", "charset_files")
TEXT_VRS = {"PN", "LO", "SH", "LT", "ST", "UT", "UC"}


def as_list(v):
    if isinstance(v, (list, pydicom.multival.MultiValue)):
        return [str(x) for x in v]
    return [] if v is None else [str(v)]


def text_of(value):
    if isinstance(value, (list, pydicom.multival.MultiValue)):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value)


def walk(ds, charset, out, path):
    raws = {tag: el for tag, el in ds._dict.items() if isinstance(el, RawDataElement)}
    if "SpecificCharacterSet" in ds:
        charset = as_list(ds.SpecificCharacterSet)
    for tag in sorted(ds.keys()):
        raw = raws.get(tag)
        elem = ds[tag]  # converted (decoded with the data set's character set) on access
        if elem.VR == "SQ":
            for i, item in enumerate(elem.value):
                walk(item, charset, out, path + [f"{int(tag):08X}", i])
            continue
        vr = raw.VR if raw is not None and raw.VR else (dictionary_VR(tag) if not tag.is_private else None)
        if raw is None or vr not in TEXT_VRS or raw.value is None:
            continue
        out.append({"path": path, "tag": f"{int(tag):08X}", "vr": vr, "charset": charset,
                    "raw": bytes(raw.value).hex(), "decoded": text_of(elem.value)})


result = {}
for name in sorted(os.listdir(CHARSET_DIR)):
    if name.endswith(".dcm"):
        out = []
        walk(pydicom.dcmread(os.path.join(CHARSET_DIR, name)), [], out, [])
        result[name] = out
json.dump({"pydicom": pydicom.__version__, "charsetDir": CHARSET_DIR, "files": result}, sys.stdout,
          ensure_ascii=False, indent=1)
