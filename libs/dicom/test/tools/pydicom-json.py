"""Prints, as JSON, pydicom's DICOM JSON Model (to_json_dict) of the given top-level keywords of each
file. Usage: /usr/bin/python3 pydicom-json.py KEYWORD,KEYWORD FILE..."""
import json, sys, warnings
import pydicom
from pydicom.dataset import Dataset

warnings.simplefilter("ignore")
keywords = sys.argv[1].split(",")
out = {}
for path in sys.argv[2:]:
    ds = pydicom.dcmread(path)
    subset = Dataset()
    for keyword in keywords:
        if keyword in ds:
            subset[keyword] = ds[keyword]
    out[path] = subset.to_json_dict()
json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
