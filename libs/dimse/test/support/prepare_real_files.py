"""Test support: copy pydicom's real-world test files with fresh, unique UIDs (as the acceptance script
does: these files share SOP Instance UIDs), keeping each file's transfer syntax and pixel data untouched.
usage: prepare_real_files.py OUT_DIR PATIENT_ID NAME... ; prints one 'name<TAB>path' per file."""
import os
import sys

import pydicom
from pydicom.uid import generate_uid

out, patient_id, names = sys.argv[1], sys.argv[2], sys.argv[3:]
base = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
study = generate_uid()
for name in names:
    ds = pydicom.dcmread(os.path.join(base, name))
    ds.PatientID = patient_id
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path = os.path.join(out, name)
    ds.save_as(path)
    print(f"{name}\t{path}")
