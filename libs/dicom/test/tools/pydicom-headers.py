"""Prints, as JSON, what pydicom reads from each given file: transfer syntax, SOP class/instance UIDs,
Patient ID and Name, Study/Series Instance UIDs, Specific Character Set. The header-reader and
Part 10 tests compare with it. Usage: /usr/bin/python3 pydicom-headers.py FILE..."""
import json, sys, warnings
import pydicom

warnings.simplefilter("ignore")


def text(ds, keyword):
    if keyword not in ds:
        return None
    v = ds[keyword].value
    if isinstance(v, (list, pydicom.multival.MultiValue)):
        return "\\".join(str(x) for x in v)
    return None if v is None else str(v)


out = {}
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    out[path] = {
        "transferSyntaxUid": str(ds.file_meta.TransferSyntaxUID),
        "mediaStorageSopInstanceUid": str(ds.file_meta.MediaStorageSOPInstanceUID),
        "sopClassUid": text(ds, "SOPClassUID"),
        "sopInstanceUid": text(ds, "SOPInstanceUID"),
        "patientId": text(ds, "PatientID"),
        "patientName": text(ds, "PatientName"),
        "studyInstanceUid": text(ds, "StudyInstanceUID"),
        "seriesInstanceUid": text(ds, "SeriesInstanceUID"),
        "specificCharacterSet": [str(x) for x in ds.get("SpecificCharacterSet", [])]
        if isinstance(ds.get("SpecificCharacterSet"), (list, pydicom.multival.MultiValue))
        else ([str(ds.SpecificCharacterSet)] if "SpecificCharacterSet" in ds else []),
    }
json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
