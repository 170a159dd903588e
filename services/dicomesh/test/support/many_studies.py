"""Test support: COUNT one-instance studies of one patient, copies of pydicom's rtplan.dcm (2.6 KB) each with
fresh Study, Series and SOP Instance UIDs, so that a C-FIND at STUDY level has COUNT matches.
usage: many_studies.py OUT_DIR PATIENT_ID COUNT ; writes OUT_DIR/00000.dcm ... and prints nothing."""
import os
import sys

import pydicom
from pydicom.uid import generate_uid

out, patient_id, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ds = pydicom.dcmread(os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files", "rtplan.dcm"))
ds.PatientID = patient_id
for i in range(count):
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(os.path.join(out, f"{i:05d}.dcm"))
