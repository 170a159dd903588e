/**
 * Reads Part 10 files with pydicom (an implementation independent of ours), so the tests do not check our
 * writer with our own reader: where the data set starts, its UIDs, and the File Meta Information.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** pydicom's own test files, as the acceptance suite (shared/acceptance/dimse-acceptance) names them. */
export const PYDICOM_TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

/** The real-world objects the acceptance suite stores (its REAL_FILES), one per transfer syntax or SOP class. */
export const ACCEPTANCE_REAL_FILES = [
  'CT_small.dcm',
  'MR_small_RLE.dcm',
  'MR_small_jp2klossless.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'SC_rgb_jpeg_dcmtk.dcm',
  'JPEG-lossy.dcm',
  'image_dfl.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_implicit.dcm',
  'rtplan.dcm',
  'test-SR.dcm',
  'waveform_ecg.dcm',
  'rtdose.dcm',
  'liver_1frame.dcm',
  'SC_rgb_rle.dcm',
] as const;

export interface Part10Description {
  readonly path: string;
  /** Offset of the data set: right after the File Meta Information group. */
  readonly dataSetOffset: number;
  readonly meta: {
    readonly transferSyntaxUid: string;
    readonly mediaStorageSopClassUid: string;
    readonly mediaStorageSopInstanceUid: string;
    readonly sourceApplicationEntityTitle: string | null;
  };
  /** The data set's own (0008,0016) and (0008,0018). */
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
}

const SCRIPT = `
import json, sys
import pydicom
from pydicom.filereader import read_preamble, _read_file_meta_info
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        read_preamble(f, False)
        meta = _read_file_meta_info(f)
        offset = f.tell()
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    source = meta.get("SourceApplicationEntityTitle")
    out.append({
        "path": path,
        "dataSetOffset": offset,
        "meta": {
            "transferSyntaxUid": str(meta.TransferSyntaxUID),
            "mediaStorageSopClassUid": str(meta.MediaStorageSOPClassUID),
            "mediaStorageSopInstanceUid": str(meta.MediaStorageSOPInstanceUID),
            "sourceApplicationEntityTitle": None if source is None else str(source).strip(),
        },
        "sopClassUid": str(ds.SOPClassUID),
        "sopInstanceUid": str(ds.SOPInstanceUID),
    })
print(json.dumps(out))
`;

export async function describePart10(paths: readonly string[]): Promise<Part10Description[]> {
  const { stdout } = await run(PYTHON, ['-c', SCRIPT, ...paths], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Part10Description[];
}
