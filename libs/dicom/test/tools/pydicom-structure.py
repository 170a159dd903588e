"""Prints, as JSON, the structure pydicom reads from every file in its test_files directory that it
can read completely: transfer syntax, offset of the data set, and the top-level tags with, for
sequences, the number of items. The element-reader test walks the same files and compares.
Usage: /usr/bin/python3 pydicom-structure.py"""
import json, os, sys, warnings
import pydicom
from pydicom.filereader import read_preamble, _read_file_meta_info

warnings.simplefilter("ignore")
DIR = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
out = {}
for name in sorted(os.listdir(DIR)):
    path = os.path.join(DIR, name)
    if not name.endswith(".dcm") or not os.path.isfile(path):
        continue
    try:
        ds = pydicom.dcmread(path)
        if not getattr(ds, "file_meta", None) or "TransferSyntaxUID" not in ds.file_meta:
            continue
        with open(path, "rb") as f:
            if read_preamble(f, False) is None:
                continue
            _read_file_meta_info(f)
            offset = f.tell()
        tags = []
        for elem in ds:  # forces every element to be parsed
            items = len(elem.value) if elem.VR == "SQ" else None
            tags.append([f"{int(elem.tag):08X}", items])
        out[name] = {"transferSyntaxUid": str(ds.file_meta.TransferSyntaxUID), "offset": offset, "tags": tags}
    except Exception as e:  # deliberately broken test files
        continue
json.dump(out, sys.stdout, indent=1)
