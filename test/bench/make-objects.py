#!/usr/bin/python3
"""Writes the benchmark's objects: N small CT objects (16x16) or N CT-size ones (512x512, 16-bit).

usage: make-objects.py DIR COUNT small|ct
"""
import os
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def main():
    out, count, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    size = 16 if kind == "small" else 512
    os.makedirs(out, exist_ok=True)
    study, series = generate_uid(), generate_uid()
    pixels = bytes(range(256)) * (size * size * 2 // 256)
    for i in range(count):
        ds = Dataset()
        ds.SOPClassUID = CT_IMAGE
        ds.SOPInstanceUID = generate_uid()
        ds.PatientName = "BENCH^OBJECTS"
        ds.PatientID = "BENCH"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.StudyDate, ds.Modality, ds.InstanceNumber = "20260101", "CT", i + 1
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = pixels
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(os.path.join(out, f"{kind}-{i:05d}.dcm"), write_like_original=False)


main()
