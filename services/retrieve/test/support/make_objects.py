"""Writes COUNT CT objects of one series (Explicit VR Little Endian) for the retrieve tests.

usage: make_objects.py OUTDIR PATIENT_ID STUDY_UID SERIES_UID COUNT PIXEL_BYTES
Prints one line per file: SOP Instance UID, a tab, the path.
"""
import os
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out, patient, study, series, count, pixels = sys.argv[1:7]
os.makedirs(out, exist_ok=True)
for i in range(int(count)):
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName = "RETRIEVE^TEST"
    ds.PatientID = patient
    ds.StudyInstanceUID = study
    ds.StudyDate = "20240101"
    ds.SeriesInstanceUID = series
    ds.Modality = "CT"
    ds.SeriesNumber = 1
    ds.InstanceNumber = i + 1
    side = 16
    ds.Rows = side
    ds.Columns = int(pixels) // (2 * side)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = bytes((i + k) % 256 for k in range(ds.Rows * ds.Columns * 2))
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    path = os.path.join(out, f"obj{i:04d}.dcm")
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)
    print(f"{ds.SOPInstanceUID}\t{path}")
